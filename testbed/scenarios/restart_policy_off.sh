#!/bin/bash
# app: flaskapp
# breaks: someone sets Restart=no in the unit and reloads systemd: the app runs, but a crash would keep it down
. /opt/medic/testbed/lib.sh

sed -i "s/^Restart=always/Restart=no/" /etc/systemd/system/flaskapp.service
systemctl daemon-reload
wait_until 30 "systemd to show Restart=no" sh -c "[ \"\$(systemctl show -p Restart --value flaskapp)\" = no ]"
wait_until 30 "flaskapp to stay healthy" http_is http://flask.medic.test/health 200
