#!/bin/bash
# app: fastapi
# breaks: another process already listens on 127.0.0.1:8000 when fastapi restarts
. /opt/medic/testbed/lib.sh

systemctl stop fastapi
systemd-run --quiet --unit=squatter -p User=nobody python3 -m http.server 8000 --bind 127.0.0.1
wait_until 10 "the squatter to listen" sh -c "ss -Hltn \"sport = :8000\" | grep -q ."
broken_restart fastapi
