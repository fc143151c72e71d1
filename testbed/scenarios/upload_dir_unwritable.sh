#!/bin/bash
# app: flaskapp
# breaks: the uploads directory belongs to root: uploads fail with 500 while the app is up
. /opt/medic/testbed/lib.sh

chown root:root /srv/flaskapp/uploads
chmod 755 /srv/flaskapp/uploads
wait_until 30 "uploads to fail with 500" post_is http://flask.medic.test/upload 500
