#!/bin/bash
# app: flaskapp
# breaks: FLASK_DEBUG=1 in .env in production: Flask runs in debug mode under Gunicorn
. /opt/medic/testbed/lib.sh

env_set /srv/flaskapp/.env FLASK_DEBUG 1
restart flaskapp
wait_until 30 "flaskapp to be restarted" restarted flaskapp
wait_until 30 "flaskapp to run with FLASK_DEBUG=1" runs_with flaskapp FLASK_DEBUG=1
wait_until 30 "flaskapp to be healthy" http_is http://flask.medic.test/health 200
# Flask reads FLASK_DEBUG when the app is created: the app Gunicorn loads has debug on.
debug=$(cd /srv/flaskapp && set -a && . ./.env && set +a &&
  runuser -u www-data -- .venv/bin/python -c "import wsgi; print(wsgi.app.debug)" 2>/dev/null)
[ "$debug" = True ] || {
  echo "scenario: wsgi.app.debug is '$debug' with FLASK_DEBUG=1" >&2
  exit 1
}
