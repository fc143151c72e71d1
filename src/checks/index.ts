// The catalog of checks, in request-path order (dns → … → host): the order results are reported in.
// Adding a check means adding its file and one line here.
import { check as dnsResolvesHere } from './dns_resolves_here.ts';
import { check as tlsCertificateValid } from './tls_certificate_valid.ts';
import { check as firewallPublicPorts } from './firewall_public_ports.ts';
import { check as nginxConfigValid } from './nginx_config_valid.ts';
import { check as nginxUpstreamMatchesBind } from './nginx_upstream_matches_bind.ts';
import { check as nginxStaticAliasExists } from './nginx_static_alias_exists.ts';
import { check as nginxProxyHeaders } from './nginx_proxy_headers.ts';
import { check as nginxSocketPermission } from './nginx_socket_permission.ts';
import { check as fsSocketDir } from './fs_socket_dir.ts';
import { check as netBindAddress } from './net_bind_address.ts';
import { check as netPortConflict } from './net_port_conflict.ts';
import { check as netAppListening } from './net_app_listening.ts';
import { check as unitExecExists } from './unit_exec_exists.ts';
import { check as unitWorkdirExists } from './unit_workdir_exists.ts';
import { check as unitUserExists } from './unit_user_exists.ts';
import { check as unitEnvfileReadable } from './unit_envfile_readable.ts';
import { check as unitRestartPolicy } from './unit_restart_policy.ts';
import { check as unitEnabledOnBoot } from './unit_enabled_on_boot.ts';
import { check as unitActive } from './unit_active.ts';
import { check as envRequiredPresent } from './env_required_present.ts';
import { check as envUrlsParse } from './env_urls_parse.ts';
import { check as envSecretsNotDefault } from './env_secrets_not_default.ts';
import { check as appImportable } from './app_importable.ts';
import { check as djangoCheckDeploy } from './django_check_deploy.ts';
import { check as djangoAllowedHostsMatch } from './django_allowed_hosts_match.ts';
import { check as flaskDebugOff } from './flask_debug_off.ts';
import { check as fsStaticRootExists } from './fs_static_root_exists.ts';
import { check as healthEndpointOk } from './health_endpoint_ok.ts';
import { check as healthEndpointLightweight } from './health_endpoint_lightweight.ts';
import { check as runtimePythonVersion } from './runtime_python_version.ts';
import { check as runtimeVenvMatchesExec } from './runtime_venv_matches_exec.ts';
import { check as depsInstalled } from './deps_installed.ts';
import { check as dbReachable } from './db_reachable.ts';
import { check as dbAuth } from './db_auth.ts';
import { check as dbConnectionsHeadroom } from './db_connections_headroom.ts';
import { check as dbMigrationsApplied } from './db_migrations_applied.ts';
import { check as cacheRedisReachable } from './cache_redis_reachable.ts';
import { check as workersRunning } from './workers_running.ts';
import { check as fsWritablePaths } from './fs_writable_paths.ts';
import { check as hostDiskFree } from './host_disk_free.ts';
import { check as hostMemoryHeadroom } from './host_memory_headroom.ts';
import { check as hostRecentOom } from './host_recent_oom.ts';
import type { Check } from './types.ts';

export const CHECKS: readonly Check[] = [
  dnsResolvesHere,
  tlsCertificateValid,
  firewallPublicPorts,
  nginxConfigValid,
  nginxUpstreamMatchesBind,
  nginxStaticAliasExists,
  nginxProxyHeaders,
  nginxSocketPermission,
  fsSocketDir,
  netBindAddress,
  netPortConflict,
  netAppListening,
  unitExecExists,
  unitWorkdirExists,
  unitUserExists,
  unitEnvfileReadable,
  unitRestartPolicy,
  unitEnabledOnBoot,
  unitActive,
  envRequiredPresent,
  envUrlsParse,
  envSecretsNotDefault,
  appImportable,
  djangoCheckDeploy,
  djangoAllowedHostsMatch,
  flaskDebugOff,
  fsStaticRootExists,
  healthEndpointOk,
  healthEndpointLightweight,
  runtimePythonVersion,
  runtimeVenvMatchesExec,
  depsInstalled,
  dbReachable,
  dbAuth,
  dbConnectionsHeadroom,
  dbMigrationsApplied,
  cacheRedisReachable,
  workersRunning,
  fsWritablePaths,
  hostDiskFree,
  hostMemoryHeadroom,
  hostRecentOom,
];
