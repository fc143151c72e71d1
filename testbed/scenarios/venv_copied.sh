#!/bin/bash
# app: flaskapp
# breaks: the virtualenv is copied to /srv/flaskapp/venv; its scripts still start .venv's Python
. /opt/medic/testbed/lib.sh

cp -a /srv/flaskapp/.venv /srv/flaskapp/venv
sed -i "s|/srv/flaskapp/.venv/bin/gunicorn|/srv/flaskapp/venv/bin/gunicorn|" /etc/systemd/system/flaskapp.service
restart flaskapp
wait_until 30 "flaskapp to be restarted" restarted flaskapp
# Stopping Gunicorn waits for its workers up to graceful_timeout (30 s), so allow more than that.
wait_until 60 "flaskapp to run from venv/" sh -c \
  "tr '\0' ' ' </proc/\$(systemctl show -p MainPID --value flaskapp)/cmdline | grep -q ' /srv/flaskapp/venv/bin/gunicorn '"
wait_until 30 "flaskapp to be healthy" http_is http://flask.medic.test/health 200
