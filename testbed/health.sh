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
  http://flask.medic.test/static/app.css http://django.medic.test/static/site.css; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url")
  [ "$code" = 200 ] || {
    echo "$url: HTTP $code"
    fail=1
  }
done
exit $fail
