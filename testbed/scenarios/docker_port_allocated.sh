#!/bin/bash
# app: dockerapp
# breaks: a debugging container left running holds 127.0.0.1:8030: web cannot start, the port is already allocated
. /opt/medic/testbed/lib.sh

compose stop web
docker run -d --name web-debug --network dockerapp_backend -p 127.0.0.1:8030:8000 dockerapp:latest python3 -m http.server 8000 >/dev/null
compose up -d web || true
wait_until 30 "web to fail on its port" sh -c "docker inspect -f '{{.State.Error}}' dockerapp_web_1 | grep -q 'port is already allocated'"
