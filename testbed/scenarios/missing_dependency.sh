#!/bin/bash
# app: flaskapp
# breaks: a release imports a package (markdown) that is in requirements.txt but not in the virtualenv
. /opt/medic/testbed/lib.sh

sed -i "s/^import redis$/import markdown\nimport redis/" /srv/flaskapp/flaskapp/__init__.py
echo "Markdown==3.4.1" >>/srv/flaskapp/requirements.txt
broken_restart flaskapp
