#!/bin/bash
# app: flaskapp
# breaks: Nginx proxies to /run/flaskapp/flaskapp.sock, a stale path; Gunicorn binds gunicorn.sock
. /opt/medic/testbed/lib.sh

sed -i "s|unix:/run/flaskapp/gunicorn.sock|unix:/run/flaskapp/flaskapp.sock|" /etc/nginx/sites-available/flaskapp
systemctl reload nginx
wait_until 30 "Nginx to answer 502" http_is http://flask.medic.test/health 502
