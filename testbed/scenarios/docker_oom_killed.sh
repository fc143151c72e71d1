#!/bin/bash
# app: dockerapp
# breaks: web runs under mem_limit: 150m and /export builds a 400 MB list: the kernel OOM-kills uvicorn, Docker restarts it
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["web"]["mem_limit"] = "150m"'
compose up -d web
wait_until 60 "web to be healthy under its limit" container_is dockerapp_web_1 '{{.State.Health.Status}}' healthy
# The recreate is a deploy of its own; the OOM comes later, under traffic, as it does on a real server.
sleep 6
curl -s -o /dev/null --max-time 30 "http://dockerapp.medic.test/export?rows=400000" || true
wait_until 30 "web to be OOM-killed" container_is dockerapp_web_1 '{{.State.OOMKilled}}' true
wait_until 30 "web to be restarted" container_restarted dockerapp_web_1
