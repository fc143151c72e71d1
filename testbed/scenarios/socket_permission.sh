#!/bin/bash
# app: flaskapp
# breaks: the app moves to its own user with --umask 007; Nginx (www-data) is not in its group
. /opt/medic/testbed/lib.sh

useradd --system --no-create-home --shell /usr/sbin/nologin flaskapp
chown -R flaskapp:flaskapp /var/log/flaskapp /srv/flaskapp/uploads
chown root:flaskapp /srv/flaskapp/.env
sed -i -e "s/^User=www-data/User=flaskapp/" -e "s/^Group=www-data/Group=flaskapp/" \
  -e "s/--workers 2/--umask 007 --workers 2/" /etc/systemd/system/flaskapp.service
restart flaskapp
wait_until 30 "the socket to belong to flaskapp" sh -c "[ \"\$(stat -c %U /run/flaskapp/gunicorn.sock)\" = flaskapp ]"
wait_until 30 "Nginx to answer 502" http_is http://flask.medic.test/health 502
