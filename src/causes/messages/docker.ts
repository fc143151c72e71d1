// Docker's messages when a container cannot publish its port or start its command, and its health
// wording: from moby/moby b985e231 (docker-v29.7.2+150) and its history (the userland-proxy wording before
// b3fabede, 2024-07), the runc/Go exec errors moby classifies in daemon/errors.go, and docker/compose
// f7297942 (v5.5.0+71) for the compose wording.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- publishing ports -------------------------------------------------------------------------
  {
    // Another container already publishes that host port.
    program: 'docker',
    source: 'daemon/libnetwork/portallocator/portallocator.go',
    template: 'Bind for %s:%d failed: port is already allocated',
    pattern:
      /Bind for (?<host>\[[0-9a-fA-F:.]{1,60}\]|[0-9a-fA-F:.]{0,60}?):(?<port>\d{1,5}) failed: port is already allocated/,
    cause: 'port_in_use',
  },
  {
    // Up to 27.x: docker-proxy could not listen because a host process holds the port.
    program: 'docker',
    source: 'libnetwork/portmapper/proxy_linux.go',
    template: 'Error starting userland proxy: %s',
    pattern:
      /Error starting userland proxy: listen (?:tcp|tcp4|tcp6|udp|udp4|udp6) (?<host>\[[0-9a-fA-F:.]{1,60}\]|[0-9a-fA-F:.]{0,60}?):(?<port>\d{1,5}): bind: address already in use/,
    cause: 'port_in_use',
  },
  {
    // 28.x+: the daemon binds the host port itself ("failed to bind host port 0.0.0.0:8000/tcp: ..."); a
    // 27.x form read "failed to bind host port for 0.0.0.0:8000:172.17.0.2:8000/tcp: ...".
    program: 'docker',
    source: 'daemon/libnetwork/portallocator/osallocator_linux.go',
    template: 'failed to bind host port %s/%s: %w',
    pattern:
      /failed to bind host port (?:\d{1,5} )?(?:for )?(?<host>\[[0-9a-fA-F:.]{1,60}\]|[0-9.]{7,15}):(?<port>\d{1,5})[^\s]{0,80}?: address already in use/,
    cause: 'port_in_use',
  },

  // --- the container's command (OCI runtime create / runc) -----------------------------------------
  {
    // The CMD/ENTRYPOINT (or the compose command:) names a program the image does not have. The quotes come
    // escaped once or twice depending on the runc version: exec: \"gunicorn\": ...
    program: 'docker',
    source: 'daemon/errors.go',
    template: 'OCI runtime create failed: ... exec: "%s": executable file not found in $PATH',
    pattern: /exec: \\{0,3}"(?<path>[^"\\\n]{1,200})\\{0,3}": executable file not found in \$PATH/,
    cause: 'unit_misconfigured',
  },
  {
    program: 'docker',
    source: 'daemon/errors.go',
    template: 'OCI runtime create failed: ... exec: "%s": stat %s: no such file or directory',
    pattern: /exec: \\{0,3}"(?<path>[^"\\\n]{1,200})\\{0,3}": stat \S{1,300}: no such file or directory/,
    cause: 'unit_misconfigured',
  },
  {
    // The entrypoint script is not executable (chmod +x lost in the build context).
    program: 'docker',
    source: 'daemon/errors.go',
    template: 'OCI runtime create failed: ... exec: "%s": permission denied',
    pattern: /exec: \\{0,3}"(?<path>[^"\\\n]{1,200})\\{0,3}": permission denied/,
    cause: 'unit_misconfigured',
  },
  {
    // What runc prints from inside the container when execve fails: the interpreter of the script's #! line
    // is missing, or the script has CRLF line ends. ("exec format error", an image built for another
    // architecture, is none of the catalog's causes.)
    // "fork/exec ..." from other Go programs is not the container's command.
    program: 'docker',
    source: 'daemon/errors.go',
    template: 'exec %s: no such file or directory',
    pattern: /(?<![\w/])exec (?<path>\/[^\s:]{1,300}): no such file or directory/,
    cause: 'unit_misconfigured',
  },

  // --- health ---------------------------------------------------------------------------------------
  {
    // docker events: "container health_status: unhealthy <id> (image=..., name=...)".
    program: 'docker',
    source: 'api/types/events/events.go',
    template: 'health_status: unhealthy',
    pattern: /health_status: unhealthy/,
    cause: 'health_check_failing',
  },
  {
    // docker ps STATUS column: "Up 12 minutes (unhealthy)".
    program: 'docker',
    source: 'daemon/container/state.go',
    template: 'Up %s (unhealthy)',
    pattern: /\bUp [^()\n]{1,40} \(unhealthy\)/,
    cause: 'health_check_failing',
  },
  {
    // docker inspect: State.Health.Status.
    program: 'docker',
    source: 'api/types/container/health.go',
    template: '"Status": "unhealthy"',
    pattern: /"Status": ?"unhealthy"/,
    cause: 'health_check_failing',
  },
  {
    // docker compose up with depends_on: condition: service_healthy.
    program: 'docker compose',
    source: 'pkg/compose/convergence.go',
    template: 'dependency failed to start: container %s is unhealthy',
    pattern: /container (?<name>[\w.-]{1,100}) is unhealthy/,
    cause: 'health_check_failing',
  },
  {
    // docker stop (and compose down) past its timeout: the daemon sends SIGKILL itself, exit code 137.
    program: 'docker',
    source: 'daemon/stop.go',
    template: 'Container failed to exit within %s of signal %d - using the force',
    pattern: /failed to exit within \S{1,20}(?: seconds)? of signal (?<signal>\d{1,2}) - using the force/,
    cause: 'killed_by_signal',
  },
  {
    program: 'podman',
    source: 'libpod/container_internal.go',
    template: 'StopSignal %s failed to stop container %s in %d seconds, resorting to SIGKILL',
    pattern:
      /StopSignal (?<signal>\w{1,10}) failed to stop container (?<name>\S{1,200}) in \d{1,6} seconds, resorting to SIGKILL/,
    cause: 'killed_by_signal',
  },
];
