#!/bin/bash
# app: nginx
# breaks: a site file loses a semicolon; Nginx is restarted and cannot start
. /opt/medic/testbed/lib.sh

sed -i "s|proxy_pass http://127.0.0.1:8001;|proxy_pass http://127.0.0.1:8001|" /etc/nginx/sites-available/djangoapp
systemctl restart nginx || true
wait_until 30 "nginx to be failed" sh -c "[ \"\$(systemctl is-failed nginx)\" = failed ]"
