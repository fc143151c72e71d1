#!/bin/bash
# app: flaskapp
# breaks: ExecStart names a module that does not exist (app.wsgi:app instead of wsgi:app)
. /opt/medic/testbed/lib.sh

sed -i "s/ wsgi:app$/ app.wsgi:app/" /etc/systemd/system/flaskapp.service
broken_restart flaskapp
