#!/bin/bash
# app: fastapi
# breaks: the schema is one Alembic revision behind the code (items.priority is missing)
. /opt/medic/testbed/lib.sh

(cd /srv/fastapi && set -a && . ./.env && set +a && runuser -u www-data -- .venv/bin/alembic downgrade 0001)
broken_restart fastapi
