# Sourced by the scenarios inside the box: small helpers to break things the way people do.
set -euo pipefail

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds. SECONDS is what a quiet machine
# needs; it waits three times as long before giving up: on a small shared machine a fresh box's restart of a
# Django app once took 30 s (gunicorn's graceful stop and a cold start at once).
wait_until() {
  local limit=$(($1 * 3)) what=$2
  shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$end" ]; then
      echo "scenario: gave up after ${limit}s waiting for: $what" >&2
      # What a person would look at next: systemd's pending jobs, the load, and the journal's last lines.
      systemctl list-jobs --no-pager >&2 || true
      cat /proc/loadavg >&2 || true
      journalctl -n 40 --no-pager -o short-precise >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

# crashing UNIT: the unit failed, or systemd has restarted it at least once.
crashing() {
  [ "$(systemctl is-failed "$1")" = failed ] || [ "$(systemctl show -p NRestarts --value "$1")" -ge 1 ]
}

# http_is URL CODE: the URL answers with this HTTP status code.
http_is() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "$1")" = "$2" ]; }

# post_is URL CODE [DATA]: a POST answers with this status code (DATA as curl takes it: text or @file).
post_is() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 -X POST --data-binary "${3:-x}" "$1")" = "$2" ]; }

# env_set FILE KEY VALUE / env_unset FILE KEY: edit an environment file like a person with an editor.
env_set() {
  if grep -q "^$2=" "$1"; then
    sed -i "s|^$2=.*|$2=$3|" "$1"
  else
    echo "$2=$3" >>"$1"
  fi
}
env_unset() { sed -i "/^$2=/d" "$1"; }

# restart UNIT: what a deploy does after changing code, configuration or the unit.
restart() {
  RESTARTED_FROM=$(main_pid "$1")
  systemctl daemon-reload
  systemctl reset-failed "$1" 2>/dev/null || true
  systemctl restart --no-block "$1"
}

# broken_restart UNIT: restart and wait until the unit is seen crashing.
broken_restart() {
  restart "$1"
  sleep 0.5
  wait_until 60 "$1 to crash" crashing "$1"
}

# main_pid UNIT: the PID of the unit's main process (0 when it has none).
main_pid() { systemctl show -p MainPID --value "$1"; }

# replaced UNIT OLD_PID: the unit runs a main process again, and not OLD_PID.
replaced() {
  local pid
  pid=$(main_pid "$1")
  [ "$pid" != 0 ] && [ "$pid" != "$2" ]
}

# restarted UNIT: the restart `restart` asked for is done: the old process has stopped and a new one runs
# (until then the old one may still answer, gunicorn finishing its requests in a graceful stop).
restarted() { replaced "$1" "$RESTARTED_FROM" && [ "$(systemctl is-active "$1")" = active ]; }

# runs_with UNIT KEY=VALUE: the unit's main process runs with this variable in its environment.
runs_with() {
  local pid
  pid=$(main_pid "$1")
  [ "$pid" != 0 ] && tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "$2"
}

# unit_rss_kb UNIT: the resident memory of all the unit's processes, in kB (what `ps` adds up).
unit_rss_kb() {
  local pid total=0 rss
  for pid in $(cat "/sys/fs/cgroup/systemd$(systemctl show -p ControlGroup --value "$1")/cgroup.procs"); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${rss:-0}))
  done
  echo "$total"
}

# The Docker side (the compose project /srv/dockerapp; the engine runs beside the box, its socket is here).

# compose ARGS...: docker-compose in the project's folder, as its people run it.
compose() { (cd /srv/dockerapp && docker-compose "$@"); }

# compose_edit PYTHON: edit docker-compose.yml (loaded as the dict `c`) as a person does in an editor.
compose_edit() {
  python3 -c 'import sys, yaml
path = "/srv/dockerapp/docker-compose.yml"
c = yaml.safe_load(open(path))
exec(sys.argv[1])
yaml.safe_dump(c, open(path, "w"), sort_keys=False)' "$1"
}

# container_is CONTAINER FORMAT VALUE: `docker inspect -f FORMAT CONTAINER` prints VALUE.
container_is() { [ "$(docker inspect -f "$2" "$1" 2>/dev/null)" = "$3" ]; }

# container_restarted CONTAINER [N]: Docker's restart policy has restarted it at least N times (1).
container_restarted() { [ "$(docker inspect -f '{{.RestartCount}}' "$1")" -ge "${2:-1}" ]; }
