#!/bin/bash
# app: djangoapp
# breaks: the release never ran collectstatic: STATIC_ROOT /srv/djangoapp/staticfiles does not exist
. /opt/medic/testbed/lib.sh

rm -rf /srv/djangoapp/staticfiles
restart djangoapp
wait_until 30 "djangoapp to be restarted" restarted djangoapp
wait_until 30 "djangoapp to be healthy" http_is http://django.medic.test/health 200
wait_until 30 "static files to answer 404" http_is http://django.medic.test/static/site.css 404
