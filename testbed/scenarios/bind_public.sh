#!/bin/bash
# app: djangoapp
# breaks: Gunicorn binds 0.0.0.0:8001: the app is reachable on every interface, around Nginx
. /opt/medic/testbed/lib.sh

sed -i "s/^bind = .*/bind = \"0.0.0.0:8001\"/" /srv/djangoapp/gunicorn.conf.py
restart djangoapp
wait_until 30 "djangoapp to be restarted" restarted djangoapp
wait_until 30 "djangoapp on 0.0.0.0:8001" sh -c "ss -Hltn \"src 0.0.0.0:8001\" | grep -q ."
wait_until 30 "djangoapp to be healthy" http_is http://django.medic.test/health 200
