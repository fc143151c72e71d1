#!/bin/bash
# app: fastapi
# breaks: the unit is limited to MemoryMax=150M and /export builds a 400 MB list: the kernel OOM-kills uvicorn
set -euo pipefail
box() { "$TESTBED" exec -- "$@"; }

box bash -c '. /opt/medic/testbed/lib.sh
mkdir -p /etc/systemd/system/fastapi.service.d
printf "[Service]\nMemoryMax=150M\n" >/etc/systemd/system/fastapi.service.d/memory.conf
restart fastapi
sleep 1
wait_until 30 "fastapi to be healthy" http_is https://fastapi.medic.test/health 200'

# systemd inside nspawn on a cgroup v1 host cannot enforce MemoryMax=, so the host's memory cgroup
# applies the same limit to the unit's main process: the kill below is the real kernel OOM killer.
inner=$(box systemctl show -p MainPID --value fastapi)
pidns=$(readlink "/proc/$LEADER/ns/pid")
host_pid=""
for status in /proc/[0-9]*/status; do
  dir=${status%/status}
  [ "$(readlink "$dir/ns/pid" 2>/dev/null)" = "$pidns" ] || continue
  if [ "$(awk '/^NSpid:/ {print $NF}' "$status" 2>/dev/null)" = "$inner" ]; then
    host_pid=${dir#/proc/}
    break
  fi
done
[ -n "$host_pid" ] || {
  echo "scenario: could not find fastapi's main process ($inner) on the host" >&2
  exit 1
}
cg=/sys/fs/cgroup/memory/medic-testbed-oom
mkdir -p "$cg"
echo $((150 * 1024 * 1024)) >"$cg/memory.limit_in_bytes"
echo "$host_pid" >"$cg/cgroup.procs"

box curl -s -o /dev/null --max-time 30 "https://fastapi.medic.test/export?rows=400000" || true
box bash -c '. /opt/medic/testbed/lib.sh
wait_until 30 "the kernel to OOM-kill uvicorn" sh -c "journalctl -k --no-pager | grep -q \"Killed process.*(uvicorn)\""
wait_until 30 "fastapi to be restarted" crashing fastapi'
