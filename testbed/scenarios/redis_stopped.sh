#!/bin/bash
# app: flaskapp
# breaks: Redis is stopped when flaskapp restarts: it cannot connect at start-up
. /opt/medic/testbed/lib.sh

systemctl stop redis-server
broken_restart flaskapp
