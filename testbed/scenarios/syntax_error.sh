#!/bin/bash
# app: djangoapp
# breaks: a release ships notes/views.py with a syntax error
. /opt/medic/testbed/lib.sh

printf "\n\ndef broken(request)\n    return None\n" >>/srv/djangoapp/notes/views.py
broken_restart djangoapp
