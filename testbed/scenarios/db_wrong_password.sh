#!/bin/bash
# app: fastapi
# breaks: DATABASE_URL carries a wrong password: PostgreSQL refuses the login at start-up
. /opt/medic/testbed/lib.sh

env_set /srv/fastapi/.env DATABASE_URL "postgresql://fastapi:F4stAPI-DB-pw-OLD@127.0.0.1:5432/fastapi"
broken_restart fastapi
