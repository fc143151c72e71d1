// The catalog. Order matters once: a line or traceback belongs to the first cause that claims it, so the
// more specific meaning comes first (an OOM kill before a generic exit, auth before reachability).
import { allowedHosts } from './allowed_hosts.ts';
import { appException } from './app_exception.ts';
import { badConfigValue } from './bad_config_value.ts';
import { dbAuthFailed } from './db_auth_failed.ts';
import { dbConnectionsExhausted } from './db_connections_exhausted.ts';
import { dbUnreachable } from './db_unreachable.ts';
import { diskFull } from './disk_full.ts';
import { dnsMisconfigured } from './dns_misconfigured.ts';
import { filePermission } from './file_permission.ts';
import { firewallBlocked } from './firewall_blocked.ts';
import { killedBySignal } from './killed_by_signal.ts';
import { healthCheckFailing } from './health_check_failing.ts';
import { migrationsNotApplied } from './migrations_not_applied.ts';
import { missingDependency } from './missing_dependency.ts';
import { missingEnvVar } from './missing_env_var.ts';
import { nginxConfigInvalid } from './nginx_config_invalid.ts';
import { oomKilled } from './oom_killed.ts';
import { portInUse } from './port_in_use.ts';
import { pythonVersionMismatch } from './python_version_mismatch.ts';
import { redisUnreachable } from './redis_unreachable.ts';
import { socketPermission } from './socket_permission.ts';
import { staticFilesMissing } from './static_files_missing.ts';
import { syntaxOrImportErrorInApp } from './syntax_or_import_error_in_app.ts';
import { tlsExpiredOrInvalid } from './tls_expired_or_invalid.ts';
import type { Cause } from './types.ts';
import { unitMisconfigured } from './unit_misconfigured.ts';
import { upstreamMismatch } from './upstream_mismatch.ts';
import { workerDown } from './worker_down.ts';
import { workerTimeout } from './worker_timeout.ts';
import { wrongBindAddress } from './wrong_bind_address.ts';
import { wrongEntrypoint } from './wrong_entrypoint.ts';

export const CAUSES: readonly Cause[] = [
  unitMisconfigured,
  oomKilled,
  killedBySignal,
  diskFull,
  portInUse,
  // a connection dropped on its way (a timeout, no route) before the service's own causes claim it
  firewallBlocked,
  dbAuthFailed,
  dbConnectionsExhausted,
  dbUnreachable,
  migrationsNotApplied,
  redisUnreachable,
  pythonVersionMismatch,
  wrongEntrypoint,
  missingDependency,
  syntaxOrImportErrorInApp,
  missingEnvVar,
  badConfigValue,
  filePermission,
  socketPermission,
  allowedHosts,
  workerTimeout,
  tlsExpiredOrInvalid,
  nginxConfigInvalid,
  staticFilesMissing,
  dnsMisconfigured,
  workerDown,
  healthCheckFailing,
  appException,
  upstreamMismatch,
  wrongBindAddress,
];

export const UNKNOWN = {
  id: 'unknown',
  title: 'No known cause fits the evidence',
} as const;

export function causeById(id: string): Cause | undefined {
  return CAUSES.find((c) => c.meta.id === id);
}
