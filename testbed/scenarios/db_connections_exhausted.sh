#!/bin/bash
# app: flaskapp
# breaks: PostgreSQL's connection slots are used up (a small max_connections, sessions never closed): flaskapp cannot connect at start-up
. /opt/medic/testbed/lib.sh

# app_login_refused: a login as flaskapp's database user is refused for want of a slot.
app_login_refused() {
  local url out
  url=$(grep '^DATABASE_URL=' /srv/flaskapp/.env | cut -d= -f2-)
  out=$(PGCONNECT_TIMEOUT=3 psql "$url" -qAtc 'select 1' 2>&1 || true)
  grep -qE 'connection slots are reserved|too many clients' <<<"$out"
}

# How a server gets there: a small max_connections, and a job's sessions that are opened and never closed
# (as a role of its own: the slots kept for superusers stay free, for the person who comes to look).
runuser -u postgres -- psql -qc "ALTER SYSTEM SET max_connections = 12" \
  -c "CREATE ROLE reports LOGIN PASSWORD 'reports-pw-5d1e'"
systemctl restart postgresql
wait_until 30 "PostgreSQL to accept connections again" runuser -u postgres -- psql -qAtc 'select 1'
systemd-run --unit=reports-sessions --quiet bash -c \
  'for i in $(seq 1 12); do psql "postgresql://reports:reports-pw-5d1e@127.0.0.1:5432/postgres" -qAtc "select pg_sleep(86400)" >/dev/null 2>&1 & sleep 0.1; done; wait'
wait_until 30 "the slots of non-superusers to run out" app_login_refused
broken_restart flaskapp
