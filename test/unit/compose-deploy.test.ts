// The pure parts of medic deploy for a compose service: which paths .dockerignore leaves out of the build
// context (the rules of Docker's own matcher), the build section of a compose file, image names, and the
// candidate's create request made from the web container and image the testbed's engine inspected.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { extract } from 'tar-stream';
import type { ContainerInspect } from '../../src/host/docker.ts';
import type { ImageInspect } from '../../src/host/docker-write.ts';
import { contextTar, dockerignore } from '../../src/host/docker-context.ts';
import { buildOf, imageName } from '../../src/deploy/compose-service.ts';
import { candidateSpec } from '../../src/deploy/compose-candidate.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/docker/${name}`, import.meta.url), 'utf8')) as unknown[];

test('.dockerignore: the last matching rule decides, a directory takes its contents, ! takes back', () => {
  const ignored = dockerignore(
    [
      '# comment',
      '.git',
      '*.pyc',
      '**/__pycache__',
      'logs/',
      '!logs/keep.txt',
      '/secrets*',
      'docs/*.md',
    ].join('\n'),
    ['Dockerfile'],
  );
  const table: [string, boolean][] = [
    ['.git/config', true],
    ['app/main.py', false],
    ['main.pyc', true],
    ['app/main.pyc', false], // *.pyc is at the root only, as in Docker
    ['app/__pycache__/main.cpython-311.pyc', true],
    ['__pycache__/x.pyc', true],
    ['logs/app.log', true],
    ['logs/keep.txt', false],
    ['secrets.env', true],
    ['app/secrets.env', false],
    ['docs/index.md', true],
    ['docs/api/index.md', false],
    ['Dockerfile', false],
  ];
  for (const [path, out] of table) assert.equal(ignored(path), out, path);
  assert.equal(dockerignore('*\n!app\n!Dockerfile')('app/main.py'), false);
  assert.equal(dockerignore('*\n!app\n!Dockerfile')('requirements.txt'), true);
  assert.equal(dockerignore('')('anything'), false);
});

test('the build context tar: files, directories and links, without what .dockerignore leaves out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medic-context-'));
  try {
    mkdirSync(join(dir, 'app/__pycache__'), { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.dockerignore'), '**/__pycache__\n.env\nDockerfile\n');
    writeFileSync(join(dir, '.env'), 'SECRET=1\n');
    writeFileSync(join(dir, 'app/main.py'), 'print("hi")\n');
    writeFileSync(join(dir, 'app/empty.py'), '');
    writeFileSync(join(dir, 'app/__pycache__/main.pyc'), 'x');
    symlinkSync('main.py', join(dir, 'app/link.py'));
    const entries: { name: string; type: string; body: string; linkname?: string | null }[] = [];
    const x = extract();
    x.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        entries.push({
          name: h.name,
          type: h.type ?? '',
          body: Buffer.concat(chunks).toString(),
          linkname: h.linkname,
        });
        next();
      });
    });
    const done = new Promise<void>((resolve) => x.on('finish', () => resolve()));
    (await contextTar(dir, 'Dockerfile')).pipe(x);
    await done;
    assert.deepEqual(
      entries.map((e) => `${e.type} ${e.name}`),
      [
        'file .dockerignore',
        'file Dockerfile',
        'directory app',
        'file app/empty.py',
        'symlink app/link.py',
        'file app/main.py',
      ],
    );
    assert.equal(entries.find((e) => e.name === 'app/main.py')?.body, 'print("hi")\n');
    assert.equal(entries.find((e) => e.name === 'app/link.py')?.linkname, 'main.py');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a compose file's build section: a string, a map, args as a list or a map, a later file overriding", () => {
  const base = {
    path: '/srv/dockerapp/docker-compose.yml',
    text: readFileSync(
      new URL('../../testbed/image/files/srv/dockerapp/docker-compose.yml', import.meta.url),
      'utf8',
    ),
  };
  assert.deepEqual(buildOf([base], 'web'), {
    context: '/srv/dockerapp',
    dockerfile: 'Dockerfile',
    args: {},
    target: null,
  });
  assert.equal(buildOf([base], 'worker'), null);
  const override = {
    path: '/srv/dockerapp/docker-compose.prod.yml',
    text: 'services:\n  web:\n    build:\n      dockerfile: Dockerfile.prod\n      args: ["PY=3.11", "EMPTY="]\n      target: runtime\n',
  };
  assert.deepEqual(buildOf([base, override], 'web'), {
    context: '/srv/dockerapp',
    dockerfile: 'Dockerfile.prod',
    args: { PY: '3.11', EMPTY: '' },
    target: 'runtime',
  });
  const mapArgs = {
    path: '/opt/x/compose.yaml',
    text: 'services:\n  api:\n    build:\n      context: ./api\n      args:\n        N: 2\n',
  };
  assert.deepEqual(buildOf([mapArgs], 'api')?.args, { N: '2' });
  assert.equal(buildOf([mapArgs], 'api')?.context, '/opt/x/api');
});

test('image names: the tag after the last colon that follows the last slash', () => {
  assert.deepEqual(imageName('dockerapp:latest'), { repo: 'dockerapp', tag: 'latest' });
  assert.deepEqual(imageName('dockerapp'), { repo: 'dockerapp', tag: 'latest' });
  assert.deepEqual(imageName('registry:5000/team/app:1.2'), { repo: 'registry:5000/team/app', tag: '1.2' });
  assert.deepEqual(imageName('registry:5000/team/app'), { repo: 'registry:5000/team/app', tag: 'latest' });
});

test("the candidate: compose's config of the web container for the new image, on a spare loopback port", () => {
  const live = fixture('healthy.inspect.json')[0] as ContainerInspect;
  const image = fixture('dockerapp.image.json')[0] as ImageInspect;
  const { spec, networks } = candidateSpec(live, image.Config, {
    image: 'sha256:new',
    port: '8000/tcp',
    bind: { kind: 'tcp', host: '127.0.0.1', port: 18030 },
    label: 'dockerapp/web',
  });
  // the env file's variables stay; PATH and PYTHONUNBUFFERED came from the image and are the new image's to set
  const env = (spec['Env'] as string[]).map((e) => e.split('=')[0]);
  assert.equal(env.length, 7, env.join(' '));
  for (const name of ['SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'CELERY_BROKER_URL'])
    assert.ok(env.includes(name), name);
  for (const name of ['PATH', 'PYTHONUNBUFFERED']) assert.ok(!env.includes(name), name);

  // CMD, USER, WORKDIR and HEALTHCHECK are the image's: the new image's own apply
  for (const key of ['Cmd', 'User', 'WorkingDir', 'Healthcheck', 'Entrypoint'])
    assert.equal(spec[key], undefined, key);
  assert.equal(spec.Image, 'sha256:new');
  // no compose label: compose must not count it as one of the service's containers
  assert.deepEqual(spec.Labels, { 'medic.deploy.candidate': 'dockerapp/web' });
  assert.deepEqual(spec.HostConfig['PortBindings'], {
    '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '18030' }],
  });
  assert.deepEqual(spec.HostConfig['RestartPolicy'], { Name: 'no' });
  // the same volume and network as the service, without its aliases
  assert.deepEqual(spec.HostConfig['Binds'], ['dockerapp_logs:/app/logs:rw']);
  assert.deepEqual(spec.NetworkingConfig, { EndpointsConfig: { dockerapp_backend: {} } });
  assert.deepEqual(networks, []);
});

test('the candidate keeps what compose set over the image: a command, a user, a healthcheck', () => {
  const live = structuredClone(fixture('healthy.inspect.json')[0]) as ContainerInspect;
  const image = fixture('dockerapp.image.json')[0] as ImageInspect;
  live.Config.Cmd = ['gunicorn', 'app.main:app'];
  live.Config.User = 'root';
  live.Config.Healthcheck = { Test: ['CMD', 'true'] };
  live.Config.Env = [...(live.Config.Env ?? []), 'PYTHONUNBUFFERED=0'];
  (live.HostConfig as Record<string, unknown>)['NetworkMode'] = 'host';
  assert.throws(
    () =>
      candidateSpec(live, image.Config, {
        image: 'x',
        port: '8000/tcp',
        bind: { kind: 'tcp', host: '127.0.0.1', port: 1 },
        label: 'l',
      }),
    /network_mode host/,
  );
  (live.HostConfig as Record<string, unknown>)['NetworkMode'] = 'dockerapp_backend';
  const { spec } = candidateSpec(live, image.Config, {
    image: 'x',
    port: '8000/tcp',
    bind: { kind: 'tcp', host: '127.0.0.1', port: 1 },
    label: 'l',
  });
  assert.deepEqual(spec['Cmd'], ['gunicorn', 'app.main:app']);
  assert.equal(spec['User'], 'root');
  assert.deepEqual(spec['Healthcheck'], { Test: ['CMD', 'true'] });
  assert.ok((spec['Env'] as string[]).includes('PYTHONUNBUFFERED=0'));
});
