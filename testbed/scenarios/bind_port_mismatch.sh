#!/bin/bash
# app: fastapi
# breaks: fastapi listens on 127.0.0.1:8010 while Nginx proxies to 127.0.0.1:8000
. /opt/medic/testbed/lib.sh

sed -i "s/--port 8000/--port 8010/" /etc/systemd/system/fastapi.service
restart fastapi
wait_until 30 "fastapi on 8010" sh -c "ss -Hltn \"sport = :8010\" | grep -q ."
wait_until 30 "Nginx to answer 502" http_is https://fastapi.medic.test/health 502
