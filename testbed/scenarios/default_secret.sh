#!/bin/bash
# app: flaskapp
# breaks: SECRET_KEY in .env is the placeholder "changeme"; the app restarts and runs with it
. /opt/medic/testbed/lib.sh

env_set /srv/flaskapp/.env SECRET_KEY changeme
restart flaskapp
wait_until 30 "flaskapp to be restarted" restarted flaskapp
wait_until 30 "flaskapp to run with SECRET_KEY=changeme" runs_with flaskapp SECRET_KEY=changeme
wait_until 30 "flaskapp to be healthy" http_is http://flask.medic.test/health 200
