#!/bin/bash
# app: flaskapp
# breaks: DATABASE_URL does not parse: a rotated password with an unescaped slash
. /opt/medic/testbed/lib.sh

env_set /srv/flaskapp/.env DATABASE_URL "postgresql://flaskapp:Fl4sk/DB-pw-71@127.0.0.1:5432/flaskapp"
broken_restart flaskapp
