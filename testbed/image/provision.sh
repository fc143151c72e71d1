#!/bin/bash
# Runs once inside the booted build container: installs the three apps, their services, Nginx sites,
# databases and certificates. The result is the testbed image every test boots from.
set -euo pipefail
here=/opt/medic/testbed/image
export DEBIAN_FRONTEND=noninteractive

cp -r --no-preserve=ownership "$here/files/." /
echo web1 > /etc/hostname
cat >> /etc/hosts <<'HOSTS'
127.0.0.1 web1
127.0.0.1 flask.medic.test fastapi.medic.test django.medic.test dockerapp.medic.test
HOSTS
mkdir -p /var/log/journal
systemd-tmpfiles --create --prefix /var/log/journal

# medic runs from the bind-mounted checkout, so it is never a stale copy.
cat > /usr/local/bin/medic <<'WRAP'
#!/bin/sh
exec /opt/medic/node_modules/node/bin/node /opt/medic/bin/medic.js "$@"
WRAP
chmod 755 /usr/local/bin/medic

# TLS: a private CA trusted by the box, a valid and an expired certificate for the fastapi site.
python3 "$here/make-certs.py" /etc/ssl/medic-testbed
cp /etc/ssl/medic-testbed/ca.crt /usr/local/share/ca-certificates/medic-testbed-ca.crt
update-ca-certificates >/dev/null

# Virtualenvs the way pip makes them, on Debian's packages (the box has no PyPI).
console_script() { # venv name module function
  cat > "$1/bin/$2" <<SCRIPT
#!$1/bin/python3
# -*- coding: utf-8 -*-
import re
import sys
from $3 import $4
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
    sys.exit($4())
SCRIPT
  chmod 755 "$1/bin/$2"
}
for app in flaskapp fastapi djangoapp; do
  python3 -m venv --system-site-packages "/srv/$app/.venv"
done
console_script /srv/flaskapp/.venv gunicorn gunicorn.app.wsgiapp run
console_script /srv/djangoapp/.venv gunicorn gunicorn.app.wsgiapp run
console_script /srv/djangoapp/.venv celery celery.__main__ main
console_script /srv/fastapi/.venv uvicorn uvicorn.main main
console_script /srv/fastapi/.venv alembic alembic.config main

# Environment files: secrets readable by the service user only.
cat > /srv/flaskapp/.env <<'ENV'
# flaskapp production settings
SECRET_KEY=30766290b83bb0e6410bf18ebf85753597d5085f4d7e9016dea5d91cd331ecc3
DATABASE_URL=postgresql://flaskapp:Fl4sk-DB-pw-71@127.0.0.1:5432/flaskapp
REDIS_URL=redis://127.0.0.1:6379/0
UPLOAD_DIR=/srv/flaskapp/uploads
LOG_DIR=/var/log/flaskapp
STRIPE_API_KEY=sk_live_51MedicTestbedFlask0000000000
ENV
cat > /srv/fastapi/.env <<'ENV'
DATABASE_URL=postgresql://fastapi:F4stAPI-DB-pw-52@127.0.0.1:5432/fastapi
API_TOKEN=tok-fastapi-93b1c7e2f4
ENV
cat > /srv/djangoapp/.env <<'ENV'
SECRET_KEY=eBlRNa9tAJJK2vgpOGICNQZ2p-6RalBJMx_rZN4TC0SeuxIU838-oMT0vMRS5mhC
DEBUG=False
ALLOWED_HOSTS=django.medic.test,localhost,127.0.0.1
DATABASE_URL=postgresql://djangoapp:Dj4ngo-DB-pw-33@127.0.0.1:5432/djangoapp
CELERY_BROKER_URL=redis://127.0.0.1:6379/1
ENV
for app in flaskapp fastapi djangoapp; do
  chown root:www-data "/srv/$app/.env"
  chmod 640 "/srv/$app/.env"
done
install -d -o www-data -g www-data /srv/flaskapp/uploads /var/log/flaskapp

# PostgreSQL: one role and database per app, password authentication over TCP.
# Debian's package gave the cluster the next free port if 5432 was taken on the host while debootstrap
# ran (the box shares the host's network): the apps, the scenarios and medic's checks all expect 5432.
sed -i 's/^port = .*/port = 5432/' /etc/postgresql/*/main/postgresql.conf
systemctl restart postgresql
psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q "$@"; }
psql_admin -c "CREATE ROLE flaskapp LOGIN PASSWORD 'Fl4sk-DB-pw-71'" -c "CREATE DATABASE flaskapp OWNER flaskapp"
psql_admin -c "CREATE ROLE fastapi LOGIN PASSWORD 'F4stAPI-DB-pw-52'" -c "CREATE DATABASE fastapi OWNER fastapi"
psql_admin -c "CREATE ROLE djangoapp LOGIN PASSWORD 'Dj4ngo-DB-pw-33'" -c "CREATE DATABASE djangoapp OWNER djangoapp"
PGPASSWORD='Fl4sk-DB-pw-71' psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -U flaskapp flaskapp \
  -c "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, created timestamptz NOT NULL DEFAULT now())"

as_app() { # app command...: run like the unit does: its user, directory and environment file
  local app=$1
  shift
  (cd "/srv/$app" && set -a && . "/srv/$app/.env" && set +a && runuser -u www-data -- "$@")
}
as_app fastapi /srv/fastapi/.venv/bin/alembic upgrade head
as_app djangoapp /srv/djangoapp/.venv/bin/python manage.py migrate --noinput
# The deploy user (root here) collects static files; the app only reads them.
(cd /srv/djangoapp && set -a && . ./.env && set +a && .venv/bin/python manage.py collectstatic --noinput -v 0)

rm -f /etc/nginx/sites-enabled/default
for site in flaskapp fastapi djangoapp dockerapp; do
  ln -sf "/etc/nginx/sites-available/$site" "/etc/nginx/sites-enabled/$site"
done
nginx -t

# Docker: the engine runs beside the box and its socket is bound in at /run/docker.sock; the package's
# own engine must never start here.
systemctl disable --now docker.socket docker.service containerd.service 2>/dev/null || true
systemctl mask docker.socket docker.service containerd.service
rm -rf /var/lib/docker /var/lib/containerd
chmod 600 /srv/dockerapp/.env

systemctl daemon-reload
systemctl enable flaskapp fastapi djangoapp djangoapp-celery nginx postgresql redis-server
apt-get clean
