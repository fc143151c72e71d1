#!/bin/bash
# app: fastapi
# breaks: a drop-in sets MemoryMax= below what the unit's processes already use (not enforced in this box)
. /opt/medic/testbed/lib.sh

# A limit picked by guess: 90% of what uvicorn holds now, in MiB.
limit=$(($(unit_rss_kb fastapi) * 9 / 10 / 1024))
mkdir -p /etc/systemd/system/fastapi.service.d
printf "[Service]\nMemoryMax=%sM\n" "$limit" >/etc/systemd/system/fastapi.service.d/memory.conf
old=$(main_pid fastapi)
restart fastapi
wait_until 30 "fastapi to be restarted" replaced fastapi "$old"
wait_until 30 "systemd to show the limit" sh -c \
  "[ \"\$(systemctl show -p MemoryMax --value fastapi)\" = $((limit * 1024 * 1024)) ]"
wait_until 30 "fastapi to be healthy" http_is https://fastapi.medic.test/health 200
wait_until 30 "fastapi to use more than its MemoryMax" bash -c \
  ". /opt/medic/testbed/lib.sh; [ \$(unit_rss_kb fastapi) -gt $((limit * 1024)) ]"
