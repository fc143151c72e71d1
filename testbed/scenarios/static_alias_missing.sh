#!/bin/bash
# app: flaskapp
# breaks: Nginx serves /static/ from /srv/flaskapp/public/, which does not exist
. /opt/medic/testbed/lib.sh

sed -i "s|alias /srv/flaskapp/static/;|alias /srv/flaskapp/public/;|" /etc/nginx/sites-available/flaskapp
systemctl reload nginx
wait_until 30 "static files to answer 404" http_is http://flask.medic.test/static/app.css 404
