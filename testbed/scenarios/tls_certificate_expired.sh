#!/bin/bash
# app: fastapi
# breaks: Nginx serves an expired certificate for fastapi.medic.test
. /opt/medic/testbed/lib.sh

cp /etc/ssl/medic-testbed/expired-fastapi.medic.test.crt /etc/ssl/medic-testbed/fastapi.medic.test.crt
cp /etc/ssl/medic-testbed/expired-fastapi.medic.test.key /etc/ssl/medic-testbed/fastapi.medic.test.key
systemctl reload nginx
wait_until 30 "TLS verification to fail" sh -c "! curl -s -o /dev/null https://fastapi.medic.test/health"
