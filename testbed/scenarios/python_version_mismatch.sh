#!/bin/bash
# app: fastapi
# breaks: the release needs Python 3.12 (typing.override); the virtualenv runs Python 3.11
. /opt/medic/testbed/lib.sh

sed -i "s/^from pydantic import BaseModel$/from pydantic import BaseModel\nfrom typing import override/" /srv/fastapi/app/main.py
sed -i "s/^requires-python = .*/requires-python = \">=3.12\"/" /srv/fastapi/pyproject.toml
echo 3.12 >/srv/fastapi/.python-version
broken_restart fastapi
