#!/bin/bash
# app: djangoapp
# breaks: ALLOWED_HOSTS lacks django.medic.test: Django answers 400 (DisallowedHost)
. /opt/medic/testbed/lib.sh

env_set /srv/djangoapp/.env ALLOWED_HOSTS "www.example.com,localhost,127.0.0.1"
restart djangoapp
wait_until 30 "djangoapp to be restarted" restarted djangoapp
wait_until 30 "Django to answer 400" http_is http://django.medic.test/health 400
