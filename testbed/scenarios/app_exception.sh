#!/bin/bash
# app: flaskapp
# breaks: a release ships a bug in GET /notes: every call is a 500 with a traceback
. /opt/medic/testbed/lib.sh

sed -i "s/\"body\": b}/\"body\": b[\"text\"]}/" /srv/flaskapp/flaskapp/__init__.py
(cd /srv/flaskapp && set -a && . ./.env && set +a && PGPASSWORD=Fl4sk-DB-pw-71 psql -q -h 127.0.0.1 -U flaskapp flaskapp -c "INSERT INTO notes (body) VALUES ('first')")
restart flaskapp
wait_until 30 "flaskapp to be restarted" restarted flaskapp
wait_until 30 "flaskapp to be healthy again" http_is http://flask.medic.test/health 200
wait_until 30 "/notes to fail with 500" http_is http://flask.medic.test/notes 500
