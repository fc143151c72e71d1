#!/bin/bash
# app: flaskapp
# breaks: the unit runs as User=deploy, a user this server does not have (217/USER)
. /opt/medic/testbed/lib.sh

sed -i "s/^User=www-data/User=deploy/" /etc/systemd/system/flaskapp.service
broken_restart flaskapp
