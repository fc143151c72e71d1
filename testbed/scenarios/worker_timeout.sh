#!/bin/bash
# app: flaskapp
# breaks: /report takes 30 s, longer than the Gunicorn worker timeout (10 s)
. /opt/medic/testbed/lib.sh

env_set /srv/flaskapp/.env REPORT_DELAY_SECONDS 30
restart flaskapp
wait_until 30 "flaskapp to be restarted" restarted flaskapp
wait_until 30 "flaskapp to be healthy again" http_is http://flask.medic.test/health 200
wait_until 40 "/report to fail with 502" http_is http://flask.medic.test/report 502
