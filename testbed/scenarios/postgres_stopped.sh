#!/bin/bash
# app: flaskapp
# breaks: PostgreSQL is stopped when flaskapp restarts: it cannot connect at start-up
. /opt/medic/testbed/lib.sh

systemctl stop postgresql
broken_restart flaskapp
