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
import { containerNamed } from '../../src/diagnose/container.ts';

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
