#!/bin/bash
# app: dockerapp
# breaks: db is moved to its own network `data`: on `backend`, web and worker cannot resolve the name db
. /opt/medic/testbed/lib.sh

compose_edit 'c["services"]["db"]["networks"] = ["data"]; c["networks"]["data"] = None'
compose up -d db
# shellcheck disable=SC2016 # a Go template, not a shell expansion
wait_until 60 "db to run on the data network only" container_is dockerapp_db_1 '{{range $n, $_ := .NetworkSettings.Networks}}{{$n}} {{end}}' 'dockerapp_data '
wait_until 30 "the name db not to resolve on backend" sh -c '! docker exec dockerapp_worker_1 getent hosts db'
