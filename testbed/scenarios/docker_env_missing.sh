#!/bin/bash
# app: dockerapp
# breaks: SECRET_KEY is deleted from the .env file and web is recreated: KeyError at import, restarted again and again
. /opt/medic/testbed/lib.sh

env_unset /srv/dockerapp/.env SECRET_KEY
compose up -d web
wait_until 60 "web to crash" container_restarted dockerapp_web_1
