import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ContainerState } from '../../src/host/docker.ts';
import { fileURLToPath } from 'node:url';

export const checkout = fileURLToPath(new URL('../..', import.meta.url));
export const testbedScript = `${checkout}scripts/testbed`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs scripts/testbed with ARGS on the host. */
export function testbed(...args: string[]): Run {
  const r = spawnSync(testbedScript, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command inside the box, as a user at the server's shell would. */
export function inBox(...cmd: string[]): Run {
  return testbed('exec', '--', ...cmd);
}

export function sh(script: string): Run {
  return inBox('bash', '-c', script);
}

export function mustPass(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r;
}

/** `systemctl show UNIT -p PROPS`, as a record of property to value. */
export function show(name: string, ...props: string[]): Record<string, string> {
  const r = mustPass(inBox('systemctl', 'show', name, '-p', props.join(',')), `systemctl show ${name}`);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const i = line.indexOf('=');
        return [line.slice(0, i), line.slice(i + 1)];
      }),
  );
}

/** The command line and environment of the unit's main process, as /proc shows them. */
export function mainProcess(name: string): { argv: string[]; environ: string[] } {
  const pid = show(name, 'MainPID').MainPID ?? '0';
  assert.notEqual(pid, '0', `${name} should have a main process`);
  const read = (file: string) =>
    mustPass(sh(`tr '\\0' '\\n' </proc/${pid}/${file}`), `/proc/${pid}/${file}`)
      .stdout.split('\n')
      .filter(Boolean);
  return { argv: read('cmdline'), environ: read('environ') };
}

export interface UnitState {
  ActiveState: string;
  SubState: string;
  Result: string;
  NRestarts: number;
  ExecMainStatus: number;
}

export function unit(name: string): UnitState {
  const props = show(name, 'ActiveState', 'SubState', 'Result', 'NRestarts', 'ExecMainStatus');
  return {
    ActiveState: props.ActiveState ?? '',
    SubState: props.SubState ?? '',
    Result: props.Result ?? '',
    NRestarts: Number(props.NRestarts ?? 0),
    ExecMainStatus: Number(props.ExecMainStatus ?? 0),
  };
}

/** The unit failed, or systemd restarted it at least once: what `systemctl status` shows as a crash. */
export function assertCrashing(name: string): void {
  const s = unit(name);
  assert.ok(
    s.ActiveState === 'failed' || s.NRestarts >= 1,
    `${name} should be failed or restarting, is ${s.ActiveState}/${s.SubState} with ${s.NRestarts} restarts`,
  );
}

export function assertActive(name: string): void {
  const s = unit(name);
  assert.equal(s.ActiveState, 'active', `${name} should be active, is ${s.ActiveState}/${s.SubState}`);
}

/** The HTTP status a client inside the server sees ("000" when no HTTP answer came). */
export function httpStatus(url: string, ...curlArgs: string[]): string {
  return inBox('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', ...curlArgs, url)
    .stdout;
}

export function assertHttp(url: string, expected: string, ...curlArgs: string[]): void {
  assert.equal(httpStatus(url, ...curlArgs), expected, `${url} should answer ${expected}`);
}

export function journal(unitName: string): string {
  return inBox('journalctl', '-u', unitName, '--no-pager', '-o', 'cat').stdout;
}

export function assertJournal(unitName: string, pattern: RegExp): void {
  const text = journal(unitName);
  assert.match(
    text,
    pattern,
    `the journal of ${unitName} should show ${pattern}; its tail:\n${text.slice(-1500)}`,
  );
}

export function nginxErrorLog(): string {
  return inBox('cat', '/var/log/nginx/error.log').stdout;
}

export function assertHealthy(): void {
  const r = inBox('/opt/medic/testbed/health.sh');
  assert.equal(r.code, 0, `the box should be healthy: ${r.stdout}`);
}

/** What `docker inspect` says of a container, as seen from inside the box (the Docker side). */
export interface ContainerInfo {
  Id: string;
  Name: string;
  RestartCount: number;
  Config: { Env: string[]; User: string; Image: string; Labels: Record<string, string> };
  State: ContainerState;
  HostConfig: {
    Memory: number;
    RestartPolicy: { Name: string };
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

export function container(name: string): ContainerInfo {
  const r = mustPass(inBox('docker', 'inspect', name), `docker inspect ${name}`);
  return (JSON.parse(r.stdout) as ContainerInfo[])[0] as ContainerInfo;
}

/** `docker logs`, both streams, as a user reads them. */
export function containerLogs(name: string): string {
  return sh(`docker logs ${name} 2>&1`).stdout;
}

/** The engine's events for one container: "action exitCode" lines (die, oom, start, health_status...). */
export function containerEvents(id: string): string[] {
  const r = mustPass(
    inBox(
      'docker',
      'events',
      '--since',
      '30m',
      '--until',
      '0s',
      '--filter',
      `container=${id}`,
      '--format',
      '{{.Action}} {{index .Actor.Attributes "exitCode"}}',
    ),
    'docker events',
  );
  return r.stdout.trim().split('\n');
}

/** An incident as `medic incidents --format json` lists it: the fields the watch tests read. */
export interface IncidentRow {
  id: number;
  service: string;
  state: string;
  trigger: string;
  causeId: string | null;
  restarts: number;
  medicRestarts: number;
}

/** The newest incidents in the box, from medic's own listing (of STORE, else medic's default store). */
export function incidents(store?: string): IncidentRow[] {
  const r = inBox(
    'medic',
    '--format',
    'json',
    'incidents',
    ...(store ? ['--store', store] : []),
    '-n',
    '100',
  );
  assert.ok(r.code === 0 || r.code === 1, `medic incidents: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { incidents: IncidentRow[] }).incidents;
}

/** The whole lines of a JSON-lines file another process appends to (a line being written is not read yet). */
export function jsonLines<T>(file: string): T[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Polls FN every 250 ms until it returns a value; fails with WHAT after SECONDS. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | null | false,
  seconds: number,
): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Polls CHECK every half second until it returns true; fails with WHAT after SECONDS. */
export async function waitFor(what: string, check: () => boolean, seconds = 30): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > end) assert.fail(`gave up after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Runs ASSERTIONS until they all pass at once, for states that settle over time (a container between two
 * restarts, an event not yet flushed). After SECONDS the last failure is thrown as it was.
 */
export async function eventually(assertions: () => Promise<void> | void, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await assertions();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * medic watch of the compose project's containers (medic.yaml from `medic init`, its containers only, and
 * WATCH, the watch: and notify: sections) as the transient unit UNIT with a fresh STORE; it returns once the
 * daemon says it is watching. A reset of the box ends it.
 */
export function watchContainers(unitName: string, store: string, watch: string): void {
  mustPass(
    inBox(
      'bash',
      '-c',
      `set -e
      mkdir -p /etc/medic /var/lib/medic
      medic init --stdout > /tmp/init.yaml
      { echo 'version: 1'; sed -n '/^containers:/,/^check:/p' /tmp/init.yaml | sed '$d'; printf '%s' "$1"; } > /etc/medic/$2.yaml
      rm -f "$3"
      systemd-run --unit="$2" --collect medic watch -c "/etc/medic/$2.yaml" --store "$3"
      for i in $(seq 1 40); do journalctl -u "$2" -o cat | grep -q 'event=watching' && exit 0; sleep 0.25; done
      journalctl -u "$2" -o cat; exit 1`,
      'bash',
      watch,
      unitName,
      store,
    ),
    `medic watch of the containers (${unitName})`,
  );
}
