#!/bin/bash
# app: dockerapp
# breaks: web's command names app.main:application, which does not exist: restart: unless-stopped restarts it again and again
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["web"]["command"] = "uvicorn app.main:application --host 0.0.0.0 --port 8000 --proxy-headers"'
compose up -d web
wait_until 60 "web to be restarted twice" container_restarted dockerapp_web_1 2
