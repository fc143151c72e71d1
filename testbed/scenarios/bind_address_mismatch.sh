#!/bin/bash
# app: djangoapp
# breaks: Gunicorn binds [::1]:8001 (IPv6 loopback) while Nginx proxies to 127.0.0.1:8001
. /opt/medic/testbed/lib.sh

sed -i "s/^bind = .*/bind = \"[::1]:8001\"/" /srv/djangoapp/gunicorn.conf.py
restart djangoapp
wait_until 30 "djangoapp on [::1]:8001" sh -c "ss -Hltn \"src [::1]:8001\" | grep -q ."
wait_until 30 "Nginx to answer 502" http_is http://django.medic.test/health 502
