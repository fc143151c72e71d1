#!/bin/bash
# app: djangoapp
# breaks: WorkingDirectory is /srv/djangoapp/current, which does not exist (200/CHDIR)
. /opt/medic/testbed/lib.sh

sed -i "s|^WorkingDirectory=.*|WorkingDirectory=/srv/djangoapp/current|" /etc/systemd/system/djangoapp.service
broken_restart djangoapp
