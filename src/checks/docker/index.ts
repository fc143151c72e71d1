// The checks of a container or compose service (ids under docker.), in request-path order.
import type { Check } from '../types.ts';
import type { ContainerContext } from './context.ts';
import { check as namesResolve } from './names_resolve.ts';
import { check as upstreamPublished } from './upstream_published.ts';
import { check as publishedReachable } from './published_reachable.ts';
import { check as running } from './running.ts';
import { check as restartPolicy } from './restart_policy.ts';
import { check as healthcheck } from './healthcheck.ts';
import { check as memoryHeadroom } from './memory_headroom.ts';
import { check as envRequired } from './env_required.ts';
import { check as pythonVersion } from './python_version.ts';
import { check as volumesWritable } from './volumes_writable.ts';
import { check as appImportable } from './app_importable.ts';
import { check as servicesReachable } from './services_reachable.ts';
import { check as migrationsApplied } from './migrations_applied.ts';

export const DOCKER_CHECKS: readonly Check<unknown, ContainerContext>[] = [
  namesResolve,
  upstreamPublished,
  publishedReachable,
  running,
  restartPolicy,
  healthcheck,
  envRequired,
  appImportable,
  pythonVersion,
  volumesWritable,
  servicesReachable,
  migrationsApplied,
  memoryHeadroom,
] as Check<unknown, ContainerContext>[];
