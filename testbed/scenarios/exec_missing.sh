#!/bin/bash
# app: fastapi
# breaks: ExecStart points at an old virtualenv path that does not exist (203/EXEC)
. /opt/medic/testbed/lib.sh

sed -i "s|/srv/fastapi/.venv/bin/uvicorn|/srv/fastapi/venv/bin/uvicorn|" /etc/systemd/system/fastapi.service
broken_restart fastapi
