#!/bin/bash
# app: flaskapp
# breaks: SECRET_KEY is missing from the environment file
. /opt/medic/testbed/lib.sh

env_unset /srv/flaskapp/.env SECRET_KEY
broken_restart flaskapp
