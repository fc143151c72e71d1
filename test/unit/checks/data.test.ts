// What sits behind the app: PostgreSQL, its migrations, Redis and the task workers. Probe failures are the
// errors node-postgres and node-redis raise (SQLSTATE or socket code, and the server's own text), classified
// as the probes classify them; migrations are the testbed's Alembic scripts and `showmigrations --plan`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check as reachable } from '../../../src/checks/db_reachable.ts';
import { check as auth } from '../../../src/checks/db_auth.ts';
import { check as headroom } from '../../../src/checks/db_connections_headroom.ts';
import {
  check as migrationsApplied,
  type MigrationsFacts,
} from '../../../src/checks/db_migrations_applied.ts';
import {
  check as dockerMigrationsApplied,
  type DockerMigrationsFacts,
  hostSideUrl,
} from '../../../src/checks/docker/migrations_applied.ts';
import { check as redisReachable } from '../../../src/checks/cache_redis_reachable.ts';
import { check as workersRunning } from '../../../src/checks/workers_running.ts';
import { classifyPgError } from '../../../src/host/postgres.ts';
import { classifyRedisError } from '../../../src/host/redis.ts';
import type { Project } from '../../../src/discover/project.ts';
import { envOf, testbedFile } from './testbed.ts';
import { ok, ruleTester } from './tester.ts';

const URL = envOf('flaskapp').DATABASE_URL ?? '';
const pgError = (code: string, message: string) => ({
  ok: false as const,
  error: classifyPgError(Object.assign(new Error(message), { code }), URL),
  ms: 5,
});
const db = (
  postgres: ReturnType<typeof pgError> | ReturnType<typeof ok> | null,
  url: string | null = URL,
) => ({
  service: { unit: 'flaskapp.service', project: null },
  url,
  postgres: postgres as never,
});
const VERSION = '15.8 (Debian 15.8-0+deb12u1)';
const UP = ok({ serverVersion: VERSION, connections: { max: 100, reserved: 3, used: 9 } }, 4);
const using = (used: number, max = 100, reserved = 3) =>
  ok({ serverVersion: VERSION, connections: { max, reserved, used } }, 4);
const REFUSED = pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
const WRONG_PASSWORD = pgError('28P01', 'password authentication failed for user "flaskapp"');
const NO_DATABASE = pgError('3D000', 'database "flaskapp" does not exist');

ruleTester(reachable, {
  valid: [
    {
      when: 'PostgreSQL 15 answers at 127.0.0.1:5432',
      facts: db(UP),
      says: /^PostgreSQL 15.8 \(Debian 15.8-0\+deb12u1\) answers at 127.0.0.1:5432 \(4 ms\)$/,
    },
    {
      when: 'PostgreSQL answers but refuses the password (db.auth reports it)',
      facts: db(WRONG_PASSWORD),
      says: /answers at 127.0.0.1:5432 \(auth_failed: see db.auth\)/,
    },
  ],
  invalid: [
    {
      when: 'PostgreSQL is stopped: connect ECONNREFUSED (postgres_stopped)',
      facts: db(REFUSED),
      status: 'fail',
      says: /^PostgreSQL at 127.0.0.1:5432: refused$/,
      fix: /systemctl start postgresql[\s\S]*pg_isready -h 127.0.0.1 -p 5432/,
    },
    {
      when: 'the server is still starting up (57P03)',
      facts: db(pgError('57P03', 'the database system is starting up')),
      status: 'fail',
      says: /starting_up/,
    },
    {
      when: 'the host does not resolve',
      facts: db(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db')),
      status: 'fail',
      says: /not_found_host/,
    },
    {
      when: 'the connection times out',
      facts: db({
        ok: false,
        error: classifyPgError(new Error('Connection terminated due to connection timeout'), URL),
        ms: 3000,
      }),
      status: 'fail',
      says: /: timeout$/,
    },
  ],
  skipped: [{ when: 'the environment has no PostgreSQL URL', facts: db(null, null) }],
});

ruleTester(headroom, {
  valid: [
    {
      when: '9 of the 97 slots a non-superuser may take are in use',
      facts: db(UP),
      says: /^88 slots left: 9 of 97 connections in use \(max_connections 100, 3 kept for superusers\)$/,
    },
  ],
  invalid: [
    {
      when: 'the slots are used up: PostgreSQL refuses the login (53300, db_connections_exhausted)',
      facts: db(
        pgError('53300', 'remaining connection slots are reserved for non-replication superuser connections'),
      ),
      status: 'fail',
      says: /^PostgreSQL at 127.0.0.1:5432 has no connection slot left for the app$/,
      fix: /pg_stat_activity[\s\S]*SHOW max_connections[\s\S]*systemctl cat flaskapp.service/,
    },
    {
      when: 'every slot is taken, the probe got the last one',
      facts: db(using(97)),
      status: 'fail',
      says: /no slot left, 97 of 97 connections in use/,
    },
    {
      when: 'three quarters of the slots are in use: a deploy doubles the workers for a while',
      facts: db(using(80)),
      status: 'warn',
      says: /17 slots left, 80 of 97/,
    },
  ],
  skipped: [
    { when: 'the environment has no PostgreSQL URL', facts: db(null, null) },
    { when: 'PostgreSQL is down (db.reachable says so)', facts: db(REFUSED) },
    {
      when: 'a pooler in front that cannot count the slots',
      facts: db(ok({ serverVersion: VERSION, connections: null }, 4)),
    },
  ],
});

ruleTester(auth, {
  valid: [{ when: 'flaskapp logs in to flaskapp', facts: db(UP), says: /^flaskapp logs in to flaskapp$/ }],
  invalid: [
    {
      when: 'the password was rotated on the server only (28P01, db_wrong_password)',
      facts: db(WRONG_PASSWORD),
      status: 'fail',
      says: /^PostgreSQL refuses the login of flaskapp$/,
      fix: /sudo -u postgres psql -c "ALTER ROLE flaskapp PASSWORD '…'"[\s\S]*systemctl restart flaskapp.service/,
    },
    {
      when: 'pg_hba.conf has no line for the client (28000)',
      facts: db(
        pgError(
          '28000',
          'no pg_hba.conf entry for host "10.0.2.15", user "flaskapp", database "flaskapp", no encryption',
        ),
      ),
      status: 'fail',
      says: /refuses the login of flaskapp/,
    },
    {
      when: 'the database does not exist (3D000)',
      facts: db(NO_DATABASE),
      status: 'fail',
      says: /^database flaskapp does not exist$/,
      fix: /^sudo -u postgres createdb -O flaskapp flaskapp$/,
    },
  ],
  skipped: [
    { when: 'PostgreSQL does not answer (db.reachable reports it)', facts: db(REFUSED), says: /refused/ },
    { when: 'the environment has no PostgreSQL URL', facts: db(null, null) },
  ],
});

// ---- db.migrations_applied -----------------------------------------------------------------------------

const SCRIPTS = ['0001_create_items.py', '0002_add_priority.py'].map((f) =>
  testbedFile(`srv/fastapi/migrations/versions/${f}`),
);
const fastapiProject = {
  root: '/srv/fastapi',
  framework: 'fastapi',
  requirementFiles: ['pyproject.toml'],
  requirements: [],
  envReads: [],
  writable: [],
  migrations: { tool: 'alembic', dir: 'migrations' },
} as Project;
const alembic = (
  applied: NonNullable<MigrationsFacts['alembic']>['applied'],
  scripts = SCRIPTS,
): MigrationsFacts => ({
  service: {
    user: 'www-data',
    unit: 'fastapi.service',
    python: '/srv/fastapi/.venv/bin/python',
    venv: '/srv/fastapi/.venv',
    project: fastapiProject,
  },
  canActAsUser: true,
  showmigrations: null,
  alembic: {
    dir: '/srv/fastapi/migrations/versions',
    scripts,
    url: envOf('fastapi').DATABASE_URL ?? '',
    applied,
  },
});
const revisions = (...r: string[]) => ok({ tool: 'alembic' as const, revisions: r });
const djangoProject = {
  ...fastapiProject,
  root: '/srv/djangoapp',
  framework: 'django',
  migrations: { tool: 'django', dir: '' },
} as Project;
// `manage.py showmigrations --plan` of the testbed's djangoapp (admin, auth, contenttypes, sessions cut short)
const PLAN = (notes2: boolean) => `[X]  contenttypes.0001_initial
[X]  auth.0001_initial
[X]  admin.0001_initial
[X]  sessions.0001_initial
[X]  notes.0001_initial
[${notes2 ? 'X' : ' '}]  notes.0002_note_words
`;
const django = (showmigrations: MigrationsFacts['showmigrations'], canActAsUser = true): MigrationsFacts => ({
  ...alembic(null),
  service: {
    ...alembic(null).service,
    unit: 'djangoapp.service',
    python: '/srv/djangoapp/.venv/bin/python',
    project: djangoProject,
  },
  canActAsUser,
  showmigrations,
  alembic: null,
});

ruleTester(migrationsApplied, {
  valid: [
    {
      when: 'alembic_version is at 0002, the head',
      facts: alembic(revisions('0002')),
      says: /^at head 0002$/,
    },
    {
      when: 'every Django migration is applied',
      facts: django({ code: 0, stdout: PLAN(true), stderr: '' }),
      says: /^all 6 Django migrations applied$/,
    },
  ],
  invalid: [
    {
      when: 'the database is at 0001 and the code expects 0002 (migrations_not_applied)',
      facts: alembic(revisions('0001')),
      status: 'fail',
      says: /^the database is at 0001, the code's head is 0002$/,
      fix: /cd \/srv\/fastapi && sudo -u www-data \/srv\/fastapi\/.venv\/bin\/alembic upgrade head/,
    },
    {
      when: 'the database is at 0003, which a newer release applied and this code was rolled back from',
      facts: alembic(revisions('0003')),
      status: 'warn',
      says: /^the database is at 0003, which this code's revisions do not know: a newer release migrated it$/,
      fix: /alembic downgrade 0002/,
    },
    {
      when: 'alembic_version does not exist: no migration ever ran',
      facts: alembic({
        ok: false,
        error: { kind: 'no_migration_table', message: 'relation "alembic_version" does not exist' },
        ms: 3,
      }),
      status: 'fail',
      says: /no alembic_version table/,
      fix: /alembic upgrade head/,
    },
    {
      when: 'notes.0002_note_words is not applied (django_migrations_not_applied)',
      facts: django({ code: 0, stdout: PLAN(false), stderr: '' }),
      status: 'fail',
      says: /^1 Django migration not applied: notes.0002_note_words$/,
      fix: /cd \/srv\/djangoapp && sudo -u www-data \/srv\/djangoapp\/.venv\/bin\/python manage.py migrate/,
    },
    {
      when: 'showmigrations cannot reach the database',
      facts: django({
        code: 1,
        stdout: '',
        stderr:
          'django.db.utils.OperationalError: connection to server at "127.0.0.1", port 5432 failed: Connection refused\n',
      }),
      status: 'fail',
      says: /^manage.py showmigrations fails$/,
      fix: /medic check --only db.reachable,db.auth/,
    },
  ],
  skipped: [
    {
      when: 'the project has no migrations',
      facts: {
        ...alembic(null),
        service: {
          ...alembic(null).service,
          project: { ...fastapiProject, migrations: undefined } as Project,
        },
      },
    },
    { when: 'medic cannot run manage.py as the service user', facts: django(null, false) },
    { when: 'the versions directory holds no revision', facts: alembic(null, []) },
    {
      when: 'PostgreSQL does not answer (db.reachable reports it)',
      facts: alembic({
        ok: false,
        error: { kind: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
        ms: 2,
      }),
    },
  ],
});

// ---- docker.migrations_applied ----------------------------------------------------------------------
// The same verdicts for a compose service: the fix runs where the app runs, in its container.

const inContainer = (over: Partial<DockerMigrationsFacts>): DockerMigrationsFacts => ({
  name: 'dockerapp_web_1',
  service: 'web',
  running: true,
  tool: 'alembic',
  showmigrations: null,
  alembic: {
    ...alembic(null).alembic!,
    dir: '/app/migrations/versions',
    url: 'postgresql://app:x@172.18.0.2:5432/app',
  },
  dbUnreached: null,
  ...over,
});
const atRevision = (...r: string[]) => ({
  alembic: { ...inContainer({}).alembic!, applied: revisions(...r) },
});

ruleTester(dockerMigrationsApplied, {
  valid: [
    {
      when: 'alembic_version at the head of the image',
      facts: inContainer(atRevision('0002')),
      says: /^at head 0002$/,
    },
    {
      when: 'every Django migration applied (showmigrations through docker exec)',
      facts: inContainer({
        tool: 'django',
        alembic: null,
        showmigrations: { code: 0, stdout: PLAN(true), stderr: '' },
      }),
      says: /^all 6 Django migrations applied$/,
    },
  ],
  invalid: [
    {
      when: 'an image deployed without its migration: the database one revision behind',
      facts: inContainer(atRevision('0001')),
      status: 'fail',
      says: /^the database is at 0001, the code's head is 0002$/,
      fix: /^docker compose exec web python3 -m alembic upgrade head$/m,
    },
    {
      when: 'an older image rolled back onto a database its release never had: 0002 is unknown to it',
      facts: inContainer({
        alembic: { ...inContainer({}).alembic!, scripts: SCRIPTS.slice(0, 1), applied: revisions('0002') },
      }),
      status: 'warn',
      says: /^the database is at 0002, which this code's revisions do not know/,
    },
    {
      when: 'a standalone container with Django migrations pending',
      facts: inContainer({
        service: null,
        tool: 'django',
        alembic: null,
        showmigrations: { code: 0, stdout: PLAN(false), stderr: '' },
      }),
      status: 'fail',
      says: /^1 Django migration not applied: notes.0002_note_words$/,
      fix: /^docker exec dockerapp_web_1 python3 manage.py migrate --noinput$/m,
    },
  ],
  skipped: [
    { when: 'no migrations in the image', facts: inContainer({ tool: null, alembic: null }) },
    {
      when: 'Django, and the container is not running to ask',
      facts: inContainer({ tool: 'django', alembic: null, running: false }),
      says: /not running/,
    },
    {
      when: "the db's name answers for no running container",
      facts: inContainer({ dbUnreached: 'db is dockerapp_db_1, which is exited (exit code 0)' }),
      says: /docker.services_reachable/,
    },
  ],
});

test('a compose URL as the host reaches it: the driver dropped, the service name for its address', () => {
  assert.equal(
    hostSideUrl('postgresql+psycopg2://app:p%40ss@db:5432/app', '172.18.0.3'),
    'postgresql://app:p%40ss@172.18.0.3:5432/app',
  );
  assert.equal(hostSideUrl('postgres://app@10.0.0.5/app', null), 'postgresql://app@10.0.0.5/app');
  assert.equal(hostSideUrl('mysql://app@db/app', '172.18.0.3'), null);
});

// ---- cache.redis_reachable -----------------------------------------------------------------------------

const redisError = (message: string, code?: string) => ({
  ok: false as const,
  error: classifyRedisError(Object.assign(new Error(message), code ? { code } : {})),
  ms: 2,
});
const redis = (result: ReturnType<typeof redisError> | ReturnType<typeof ok>, name = 'REDIS_URL') => ({
  answers: [{ name, result: result as never }],
});

ruleTester(redisReachable, {
  valid: [
    {
      when: 'Redis answers PING',
      facts: redis(ok({ usedMemory: 1_048_576, maxmemory: 0 }, 1)),
      says: /^REDIS_URL answers PING \(1 ms\)$/,
    },
  ],
  invalid: [
    {
      when: 'Redis is stopped: connect ECONNREFUSED (redis_stopped)',
      facts: redis(redisError('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')),
      status: 'fail',
      says: /^REDIS_URL: refused$/,
      fix: /systemctl start redis-server[\s\S]*redis-cli ping/,
    },
    {
      when: "the broker's password is wrong (WRONGPASS)",
      facts: redis(
        redisError('WRONGPASS invalid username-password pair or user is disabled.'),
        'CELERY_BROKER_URL',
      ),
      status: 'fail',
      says: /^CELERY_BROKER_URL: auth_failed$/,
    },
    {
      when: 'Redis cannot save its snapshot and refuses writes (MISCONF)',
      facts: redis(
        redisError(
          "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
        ),
      ),
      status: 'fail',
      says: /misconf/,
    },
  ],
  skipped: [{ when: 'the environment has no Redis URL', facts: { answers: [] } }],
});

// ---- workers.running -----------------------------------------------------------------------------------

const CELERY =
  '/srv/djangoapp/.venv/bin/celery -A mysite worker --loglevel=INFO --concurrency=1 --hostname=worker1@%%h';
const workers = (...states: string[]) => ({
  service: {
    workers: states.map((active, i) => ({
      id: i ? `djangoapp-worker${i}.service` : 'djangoapp-celery.service',
      exec: CELERY,
      active,
    })),
  },
});

ruleTester(workersRunning, {
  valid: [
    {
      when: 'djangoapp-celery.service is active',
      facts: workers('active'),
      says: /^djangoapp-celery.service active$/,
    },
  ],
  invalid: [
    {
      when: 'the Celery worker is stopped (celery_worker_down)',
      facts: workers('inactive'),
      status: 'fail',
      says: /^djangoapp-celery.service is inactive$/,
      fix: /systemctl start djangoapp-celery.service[\s\S]*medic diagnose djangoapp-celery/,
    },
    {
      when: 'one of two workers failed',
      facts: workers('active', 'failed'),
      status: 'fail',
      says: /^djangoapp-worker1.service is failed$/,
    },
    {
      when: 'a worker is still activating',
      facts: workers('activating'),
      status: 'fail',
      says: /is activating/,
    },
  ],
  skipped: [{ when: 'the app has no worker unit', facts: workers() }],
});
