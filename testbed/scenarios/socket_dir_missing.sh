#!/bin/bash
# app: flaskapp
# breaks: RuntimeDirectory= is "cleaned up" from the unit: /run/flaskapp is gone and Gunicorn cannot bind its socket
. /opt/medic/testbed/lib.sh

# Stopping the unit removes its runtime directory; without RuntimeDirectory= nothing makes it again.
systemctl stop flaskapp
sed -i "/^RuntimeDirectory=/d" /etc/systemd/system/flaskapp.service
broken_restart flaskapp
wait_until 30 "Nginx to answer 502" http_is http://flask.medic.test/health 502
