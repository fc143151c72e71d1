#!/bin/bash
# app: djangoapp
# breaks: EnvironmentFile points at /srv/djangoapp/.env.production, which does not exist
. /opt/medic/testbed/lib.sh

sed -i "s|^EnvironmentFile=.*|EnvironmentFile=/srv/djangoapp/.env.production|" /etc/systemd/system/djangoapp.service
broken_restart djangoapp
