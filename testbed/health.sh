#!/bin/bash
# Runs inside the box: exit 0 when every service and app answers as it should; otherwise says what does not.
fail=0
for unit in nginx postgresql redis-server flaskapp fastapi djangoapp djangoapp-celery; do
  state=$(systemctl is-active "$unit")
  [ "$state" = active ] || {
    echo "$unit: $state"
    fail=1
  }
done
for url in http://flask.medic.test/health https://fastapi.medic.test/health http://django.medic.test/health \
  http://flask.medic.test/static/app.css http://django.medic.test/static/site.css http://dockerapp.medic.test/health; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url")
  [ "$code" = 200 ] || {
    echo "$url: HTTP $code"
    fail=1
  }
done
# The Docker side: the compose project's four containers run, and web's HEALTHCHECK passes.
for c in dockerapp_web_1 dockerapp_worker_1 dockerapp_db_1 dockerapp_cache_1; do
  state=$(docker inspect -f '{{.State.Status}}{{if .State.Health}}/{{.State.Health.Status}}{{end}}' "$c" 2>&1)
  case "$c $state" in
    # The worker's first Celery ping comes 30 s after its start: "starting" is no failure.
    "dockerapp_web_1 running/healthy" | "dockerapp_worker_1 running/starting" | "dockerapp_worker_1 running/healthy" | "dockerapp_db_1 running" | "dockerapp_cache_1 running") ;;
    *)
      echo "container $c: $state"
      fail=1
      ;;
  esac
done
exit $fail
