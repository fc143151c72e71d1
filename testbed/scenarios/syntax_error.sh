#!/bin/bash
# app: djangoapp
# breaks: a release ships notes/models.py with a syntax error
. /opt/medic/testbed/lib.sh

printf "\n\ndef broken(request)\n    return None\n" >>/srv/djangoapp/notes/models.py
broken_restart djangoapp
