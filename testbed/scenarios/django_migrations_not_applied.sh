#!/bin/bash
# app: djangoapp
# breaks: the last Django migration is not applied: /notes/ fails on a missing column
. /opt/medic/testbed/lib.sh

(cd /srv/djangoapp && set -a && . ./.env && set +a && runuser -u www-data -- .venv/bin/python manage.py migrate notes 0001 -v 0)
wait_until 30 "/notes/ to fail with 500" http_is http://django.medic.test/notes/ 500
