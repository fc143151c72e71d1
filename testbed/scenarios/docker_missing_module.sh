#!/bin/bash
# app: dockerapp
# breaks: the new web image imports markdown, which it does not have: the container exits at start, ModuleNotFoundError
. /opt/medic/testbed/lib.sh

sed -i 's/^import redis$/import redis\nimport markdown/' /srv/dockerapp/app/main.py
compose up -d --build web
wait_until 60 "web to exit at start" container_restarted dockerapp_web_1
