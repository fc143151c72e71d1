#!/bin/bash
# app: djangoapp
# breaks: PostgreSQL stops while djangoapp runs: the process stays up, /health answers 503
. /opt/medic/testbed/lib.sh

systemctl stop postgresql
wait_until 30 "/health to answer 503" http_is http://django.medic.test/health 503
