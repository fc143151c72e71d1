// How each Docker scenario shows as Docker itself reports it (docker inspect, logs, events, what Nginx
// answers): the breakage is real before medic is asked about it. Shared by the Docker side's tests.
import assert from 'node:assert/strict';
import {
  container,
  containerEvents,
  containerLogs,
  httpStatus,
  inBox,
  mustPass,
  nginxErrorLog,
  waitFor,
} from '../box.ts';

export const site = 'http://dockerapp.medic.test';
export const web = 'dockerapp_web_1';
export const worker = 'dockerapp_worker_1';
export const db = 'dockerapp_db_1';
export const cache = 'dockerapp_cache_1';

/** The container exits with CODE, as seen between two of its restarts. */
async function exitsWith(name: string, code: number): Promise<void> {
  await waitFor(`${name} to show exit code ${code}`, () => container(name).State.ExitCode === code, 60);
}

export function bodyOf(url: string): string {
  // 30 s: a name Docker's DNS does not know takes 10 s to fail (it asks the host's resolvers too).
  return inBox('curl', '-s', '--max-time', '30', url).stdout;
}

/** What each Docker scenario looks like once applied, as Docker and Nginx report it. */
export const visible: Record<string, () => Promise<void> | void> = {
  docker_worker_down() {
    const w = container(worker);
    assert.equal(w.State.Status, 'exited');
    assert.equal(w.State.Running, false);
    const queued = Number(
      mustPass(inBox('docker', 'exec', cache, 'redis-cli', '-n', '1', 'llen', 'celery'), 'llen').stdout,
    );
    assert.ok(queued >= 3, `at least 3 tasks queued, found ${queued}`);
    assert.equal(httpStatus(`${site}/health`), '200', 'the web still answers');
  },
  docker_healthcheck_failing() {
    const c = container(web);
    assert.equal(c.State.Running, true, 'the process lives');
    assert.equal(c.State.Health?.Status, 'unhealthy');
    assert.ok((c.State.Health?.FailingStreak ?? 0) >= 3);
    const last = c.State.Health?.Log.at(-1);
    assert.notEqual(last?.ExitCode, 0);
    assert.match(last?.Output ?? '', /8080/);
    assert.equal(httpStatus(`${site}/health`), '200', 'the app serves while Docker calls it unhealthy');
  },
  docker_upstream_unpublished() {
    assert.equal(httpStatus(`${site}/health`), '502');
    assert.equal(
      mustPass(inBox('docker', 'port', web, '8000/tcp'), 'docker port').stdout.trim(),
      '127.0.0.1:8030',
    );
    assert.doesNotMatch(inBox('docker', 'ps', '--format', '{{.Ports}}').stdout, /:8031->/);
    assert.match(
      nginxErrorLog(),
      /connect\(\) failed \(111: Connection refused\).*upstream: "http:\/\/127\.0\.0\.1:8031\//,
    );
  },
  docker_db_unresolvable() {
    assert.deepEqual(Object.keys(container(db).NetworkSettings.Networks), ['dockerapp_data']);
    assert.deepEqual(Object.keys(container(web).NetworkSettings.Networks), ['dockerapp_backend']);
    assert.equal(
      inBox('docker', 'exec', web, 'getent', 'hosts', 'db').code,
      2,
      'db does not resolve from web',
    );
    assert.equal(container(db).State.Running, true, 'the database itself runs');
    assert.match(bodyOf('http://127.0.0.1:8030/health'), /could not translate host name \\"db\\"/);
  },
  async docker_missing_module() {
    await exitsWith(web, 1);
    assert.ok(container(web).RestartCount >= 1);
    assert.match(containerLogs(web), /ModuleNotFoundError: No module named 'markdown'/);
  },
  async docker_crash_loop() {
    const c = container(web);
    assert.equal(c.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.ok(c.RestartCount >= 2, `restarted at least twice, ${c.RestartCount} times`);
    await exitsWith(web, 1);
    assert.match(containerLogs(web), /Attribute "application" not found in module "app\.main"/);
    assert.ok(containerEvents(c.Id).filter((e) => e === 'die 1').length >= 2, 'die events with exit code 1');
  },
  docker_oom_killed() {
    const c = container(web);
    assert.equal(c.HostConfig.Memory, 150 * 1024 * 1024);
    assert.ok(c.RestartCount >= 1, `restarted, ${c.RestartCount} times`);
    const events = containerEvents(c.Id);
    assert.ok(events.includes('oom '), `an oom event: ${events.join(', ')}`);
    assert.ok(events.includes('die 137'), `a die event with exit code 137: ${events.join(', ')}`);
    assert.match(inBox('journalctl', '-k', '--no-pager').stdout, /Killed process \d+ \(uvicorn\)/);
  },
  docker_db_down() {
    const d = container(db);
    assert.equal(d.State.Status, 'exited');
    assert.equal(d.State.Running, false);
    assert.equal(container(web).State.Running, true);
    assert.equal(httpStatus(`${site}/health`), '503');
  },
  docker_bind_loopback() {
    const c = container(web);
    assert.equal(c.State.Health?.Status, 'healthy', 'healthy from inside its container');
    assert.match(mustPass(inBox('docker', 'exec', web, 'ss', '-Hltn'), 'ss').stdout, /127\.0\.0\.1:8000/);
    assert.equal(httpStatus('http://127.0.0.1:8030/health'), '000', 'the published port gets no answer');
    assert.equal(httpStatus(`${site}/health`), '502');
  },
  docker_port_allocated() {
    const c = container(web);
    assert.equal(c.State.Running, false);
    assert.match(c.State.Error, /Bind for 127\.0\.0\.1:8030 failed: port is already allocated/);
    assert.equal(
      mustPass(inBox('docker', 'port', 'web-debug', '8000/tcp'), 'docker port').stdout.trim(),
      '127.0.0.1:8030',
    );
  },
  async docker_env_missing() {
    const c = container(web);
    assert.ok(c.Config.Env.some((e) => e.startsWith('DATABASE_URL=')));
    assert.ok(!c.Config.Env.some((e) => e.startsWith('SECRET_KEY=')), 'no SECRET_KEY in the container');
    await exitsWith(web, 1);
    assert.match(containerLogs(web), /KeyError: 'SECRET_KEY'/);
  },
  docker_no_restart_policy() {
    const c = container(web);
    assert.ok(['', 'no'].includes(c.HostConfig.RestartPolicy.Name), c.HostConfig.RestartPolicy.Name);
    assert.equal(c.State.Running, true, 'it runs, until its next crash');
    const service = mustPass(
      inBox(
        'python3',
        '-c',
        'import yaml; print(sorted(yaml.safe_load(open("/srv/dockerapp/docker-compose.yml"))["services"]["web"]))',
      ),
      'compose file',
    ).stdout;
    assert.doesNotMatch(service, /'restart'/, 'no restart: for web in docker-compose.yml');
  },
  async docker_volume_unwritable() {
    const c = container(web);
    assert.equal(c.Config.User, 'app');
    assert.ok(
      c.Mounts.some(
        (m) => m.Type === 'volume' && m.Name === 'dockerapp_logs' && m.Destination === '/app/logs',
      ),
    );
    const owner = mustPass(
      inBox('docker', 'run', '--rm', '-v', 'dockerapp_logs:/v', 'dockerapp:latest', 'stat', '-c', '%U', '/v'),
      'stat the volume',
    );
    assert.equal(owner.stdout.trim(), 'root');
    await exitsWith(web, 1);
    assert.match(
      containerLogs(web),
      /PermissionError: \[Errno 13\] Permission denied: '\/app\/logs\/app\.log'/,
    );
  },
};
