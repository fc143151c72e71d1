// The Engine API's answers as medic reads them: the framed log stream of a container without a TTY, and the
// container a name means (its own name, a compose service's, an id prefix), on /containers/json as the
// testbed's engine (Docker 20.10) answers it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyDockerError,
  type ContainerSummary,
  demuxLogs,
  dockerSocket,
} from '../../src/host/docker.ts';
import { containerFix, containerNamed } from '../../src/diagnose/container.ts';
import { serviceUrlOf } from '../../src/checks/docker/service-url.ts';

const frame = (stream: 1 | 2, text: string) => {
  const payload = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
};

test('framed logs: stdout and stderr frames joined in order, headers gone', () => {
  const buf = Buffer.concat([
    frame(2, '2026-12-01T08:14:03.704636681Z Traceback (most recent call last):\n'),
    frame(2, "2026-12-01T08:14:03.704700000Z ModuleNotFoundError: No module named 'markdown'\n"),
    frame(1, '2026-12-01T08:14:06.888831750Z INFO:     127.0.0.1:59654 - "GET /health HTTP/1.1" 200 OK\n'),
  ]);
  assert.deepEqual(demuxLogs(buf).split('\n').filter(Boolean), [
    '2026-12-01T08:14:03.704636681Z Traceback (most recent call last):',
    "2026-12-01T08:14:03.704700000Z ModuleNotFoundError: No module named 'markdown'",
    '2026-12-01T08:14:06.888831750Z INFO:     127.0.0.1:59654 - "GET /health HTTP/1.1" 200 OK',
  ]);
});

test('a TTY container sends its bytes as they are', () => {
  assert.equal(demuxLogs(Buffer.from('2026-12-01T08:14:03Z ready\n')), '2026-12-01T08:14:03Z ready\n');
});

const listed: ContainerSummary[] = [
  {
    Id: '9f1c2e3d4b5a',
    Names: ['/dockerapp_worker_1'],
    Image: 'dockerapp:latest',
    State: 'running',
    Status: 'Up 3 minutes (healthy)',
    Labels: { 'com.docker.compose.project': 'dockerapp', 'com.docker.compose.service': 'worker' },
  },
  {
    Id: '1a2b3c4d5e6f',
    Names: ['/dockerapp_web_1'],
    Image: 'dockerapp:latest',
    State: 'running',
    Status: 'Up 3 minutes (healthy)',
    Labels: { 'com.docker.compose.project': 'dockerapp', 'com.docker.compose.service': 'web' },
  },
  {
    Id: '7e8d9c0b1a2f',
    Names: ['/web'],
    Image: 'nginx',
    State: 'exited',
    Status: 'Exited (0) 2 days ago',
    Labels: {},
  },
];

test('a name: the container of that name first, then the compose service, then an id prefix', () => {
  assert.equal(containerNamed(listed, 'dockerapp_web_1')?.Id, '1a2b3c4d5e6f');
  assert.equal(containerNamed(listed, 'web')?.Id, '7e8d9c0b1a2f');
  assert.equal(containerNamed(listed, 'worker')?.Id, '9f1c2e3d4b5a');
  assert.equal(containerNamed(listed, '1a2b3c')?.Id, '1a2b3c4d5e6f');
  assert.equal(containerNamed(listed, '1a2'), undefined);
  assert.equal(containerNamed(listed, 'db'), undefined);
});

test('the socket: DOCKER_HOST when it names one, and a missing engine is said as such', () => {
  assert.equal(
    dockerSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }),
    '/run/user/1000/docker.sock',
  );
  assert.equal(dockerSocket({ DOCKER_HOST: 'tcp://10.0.0.5:2376' }), '/var/run/docker.sock');
  assert.equal(dockerSocket({}), '/var/run/docker.sock');
  const missing = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
  assert.equal(classifyDockerError(missing).kind, 'no_engine');
  const denied = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
  assert.equal(classifyDockerError(denied).kind, 'permission');
});

test("the database and Redis a container's env names by a compose service's name", () => {
  const env = [
    'PATH=/usr/local/bin:/usr/bin',
    'DATABASE_URL=postgresql+psycopg://app:s3cret@db:5433/app',
    'CELERY_BROKER_URL=redis://cache:6379/0',
    'SENTRY_DSN=https://key@o1.ingest.example.com/1',
  ];
  assert.deepEqual(serviceUrlOf(env, 'database'), {
    url: 'postgresql+psycopg://app:s3cret@db:5433/app',
    name: 'db',
    port: 5433,
  });
  assert.deepEqual(serviceUrlOf(env, 'cache'), { url: 'redis://cache:6379/0', name: 'cache', port: 6379 });
  // an address, a dotted host or localhost is not Docker's DNS to answer
  assert.equal(serviceUrlOf(['DATABASE_URL=postgres://u@10.0.0.5/app'], 'database'), null);
  assert.equal(serviceUrlOf(['DATABASE_URL=postgres://u@db.internal.example/app'], 'database'), null);
  assert.equal(serviceUrlOf(['REDIS_URL=redis://localhost:6379'], 'cache'), null);
  assert.deepEqual(serviceUrlOf(['DB=postgres://postgres@postgres/app'], 'database')?.port, 5432);
});

test('a database container that is down: the fix starts that service, then the app', () => {
  const cause = { id: 'db_unreachable', fix: ['systemctl status postgresql --no-pager | head -5'] };
  assert.deepEqual(
    containerFix(cause, [], 'dockerapp_web_1', 'web', { container: 'dockerapp_db_1', service: 'db' }),
    [
      'docker compose ps -a db',
      'docker compose logs --tail 50 db   # why it stopped',
      'docker compose up -d db',
      'docker compose up -d web',
    ],
  );
  // a name no container answers to: the failing names check knows which network or name is wrong
  const names = {
    id: 'docker.names_resolve',
    status: 'fail' as const,
    fix: ['# put db and web on one network'],
  };
  assert.deepEqual(containerFix(cause, [names], 'dockerapp_web_1', 'web', undefined), names.fix);
});
