#!/bin/bash
# app: dockerapp
# breaks: web's restart: line is dropped from docker-compose.yml and web recreated: the next crash or reboot leaves it down
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["web"].pop("restart", None)'
compose up -d web
wait_until 60 "web to run without a restart policy" sh -c '[ "$(docker inspect -f "{{.HostConfig.RestartPolicy.Name}}" dockerapp_web_1)" != unless-stopped ]'
