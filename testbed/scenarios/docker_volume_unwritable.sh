#!/bin/bash
# app: dockerapp
# breaks: a one-off run as root made the logs volume root's: web (user app) cannot open /app/logs/app.log and crashes
. /opt/medic/testbed/lib.sh

compose run --rm --no-deps -u root web chown -R root:root /app/logs
compose restart web
wait_until 60 "web to crash" container_restarted dockerapp_web_1
