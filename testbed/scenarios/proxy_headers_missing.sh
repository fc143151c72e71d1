#!/bin/bash
# app: fastapi
# breaks: the Nginx site no longer sends X-Forwarded-Proto and X-Forwarded-For: the app thinks it is served over http
. /opt/medic/testbed/lib.sh

sed -i "/proxy_set_header X-Forwarded-\(Proto\|For\)/d" /etc/nginx/sites-available/fastapi
systemctl reload nginx
wait_until 30 "redirects to point at http://" sh -c \
  "curl -s -o /dev/null -w '%{redirect_url}' --max-time 5 https://fastapi.medic.test/items/ | grep -q '^http://'"
wait_until 30 "fastapi to be healthy" http_is https://fastapi.medic.test/health 200
