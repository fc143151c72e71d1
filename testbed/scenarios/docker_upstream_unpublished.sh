#!/bin/bash
# app: dockerapp
# breaks: Nginx proxies dockerapp.medic.test to 127.0.0.1:8031, a port no container publishes (web is on 8030)
. /opt/medic/testbed/lib.sh

sed -i 's|proxy_pass http://127.0.0.1:8030;|proxy_pass http://127.0.0.1:8031;|' /etc/nginx/sites-available/dockerapp
nginx -t 2>/dev/null
systemctl reload nginx
wait_until 30 "the site to answer 502" http_is http://dockerapp.medic.test/health 502
