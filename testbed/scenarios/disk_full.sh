#!/bin/bash
# app: flaskapp
# breaks: the uploads file system is full: uploads fail with 500 (No space left on device)
. /opt/medic/testbed/lib.sh

mount -t tmpfs -o size=1m,uid=33,gid=33,mode=755 uploads /srv/flaskapp/uploads
dd if=/dev/zero of=/srv/flaskapp/uploads/backup.tar bs=64k 2>/dev/null || true
wait_until 30 "uploads to fail with 500" post_is http://flask.medic.test/upload 500 @/etc/services
