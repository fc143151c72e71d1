#!/bin/bash
# app: dockerapp
# breaks: uvicorn binds 127.0.0.1 inside its container: healthy from within, but the published port 8030 gets no answer
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["web"]["command"] = "uvicorn app.main:app --host 127.0.0.1 --port 8000 --proxy-headers"'
compose up -d web
wait_until 60 "web to be healthy inside its container" container_is dockerapp_web_1 '{{.State.Health.Status}}' healthy
wait_until 30 "the site to answer 502" http_is http://dockerapp.medic.test/health 502
