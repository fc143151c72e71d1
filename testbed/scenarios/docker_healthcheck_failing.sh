#!/bin/bash
# app: dockerapp
# breaks: web's healthcheck probes port 8080, where nothing listens: the app serves, Docker calls it unhealthy
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["web"]["healthcheck"] = {"test": ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"]}'
compose up -d web
wait_until 90 "web to be unhealthy" container_is dockerapp_web_1 '{{.State.Health.Status}}' unhealthy
