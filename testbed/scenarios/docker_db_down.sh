#!/bin/bash
# app: dockerapp
# breaks: the db container is stopped: web runs, its /health answers 503 and its HEALTHCHECK fails
. /opt/medic/testbed/lib.sh

compose stop db
wait_until 30 "db to be down" container_is dockerapp_db_1 '{{.State.Status}}' exited
wait_until 30 "web's /health to answer 503" http_is http://127.0.0.1:8030/health 503
