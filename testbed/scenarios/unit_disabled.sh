#!/bin/bash
# app: fastapi
# breaks: systemctl disable fastapi: it runs now, but would not start after a reboot
. /opt/medic/testbed/lib.sh

systemctl disable --quiet fastapi
wait_until 30 "fastapi to be disabled" sh -c "[ \"\$(systemctl is-enabled fastapi)\" = disabled ]"
wait_until 30 "fastapi to stay healthy" http_is https://fastapi.medic.test/health 200
