#!/bin/bash
# app: flaskapp
# breaks: the log directory /var/log/flaskapp belongs to root, the app cannot open its log file
. /opt/medic/testbed/lib.sh

chown root:root /var/log/flaskapp
chmod 755 /var/log/flaskapp
rm -f /var/log/flaskapp/app.log
broken_restart flaskapp
