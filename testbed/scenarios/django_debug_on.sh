#!/bin/bash
# app: djangoapp
# breaks: DEBUG=True in .env in production: the site works and shows its debug pages to everyone
. /opt/medic/testbed/lib.sh

env_set /srv/djangoapp/.env DEBUG True
restart djangoapp
wait_until 30 "djangoapp to be restarted" restarted djangoapp
wait_until 30 "djangoapp to run with DEBUG=True" runs_with djangoapp DEBUG=True
wait_until 30 "djangoapp to be healthy" http_is http://django.medic.test/health 200
wait_until 30 "a 404 to show Django's debug page" sh -c \
  "curl -s --max-time 5 http://django.medic.test/no-such-page | grep -q 'DEBUG = True'"
