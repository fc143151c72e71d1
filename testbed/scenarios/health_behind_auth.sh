#!/bin/bash
# app: flaskapp
# breaks: HTTP basic auth on the whole flaskapp site: /health answers 401 to the monitor
. /opt/medic/testbed/lib.sh

printf "admin:%s\n" "$(openssl passwd -apr1 'Adm1n-pw-2024')" >/etc/nginx/htpasswd-flaskapp
chown root:www-data /etc/nginx/htpasswd-flaskapp
chmod 640 /etc/nginx/htpasswd-flaskapp
sed -i "s|^    server_name flask.medic.test;|&\n\n    auth_basic \"flaskapp\";\n    auth_basic_user_file /etc/nginx/htpasswd-flaskapp;|" \
  /etc/nginx/sites-available/flaskapp
systemctl reload nginx
wait_until 30 "/health to answer 401" http_is http://flask.medic.test/health 401
