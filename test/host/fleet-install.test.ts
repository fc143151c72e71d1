// medic fleet install against real OpenSSH servers on 127.0.0.1, each login starting in the host's own
// directory and installing under --root trial there: the single executable sent and checked, medic.yaml
// and the watch unit written, then nothing to do on a second run; a copy corrupted on the way (one host's
// sshd flips its first byte) is refused there and leaves nothing behind; the installed medic answers.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BINARY, sha256Of } from '../../scripts/build.ts';
import { SshdFleet, sshdMissing } from './fleet-sshd.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CHECKOUT = join(ROOT, 'bin', 'medic.js');
const LOG = join(ROOT, 'test/fixtures/public/db_auth_failed/postgres-role-missing-after-reinit.log');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const HOST_YAML = `version: 1
services:
  web:
    unit: web.service
    health:
      url: http://127.0.0.1:8000/health
`;

let fleet: SshdFleet;
/** This test's own copy of dist/medic, so that a build meanwhile cannot change it under the test. */
let binary: string;
let sha256: string;

function medic(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHECKOUT, ...args], { cwd: fleet.dir, env: fleet.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const trial = (host: string, path = '') => join(fleet.host(host).dir, 'trial', path);
const files = (host: string) =>
  existsSync(trial(host))
    ? (readdirSync(trial(host), { recursive: true }) as string[])
        .filter((f) => statSync(trial(host, f)).isFile())
        .sort()
    : [];
const mtimes = (host: string) => files(host).map((f) => `${f} ${statSync(trial(host, f)).mtimeMs}`);

before(async () => {
  if (sshdMissing) return;
  const current = () =>
    existsSync(`${BINARY}.sha256`) &&
    readFileSync(`${BINARY}.sha256`, 'utf8').split(/\s/)[0] === sha256Of(BINARY);
  if (!existsSync(BINARY) || !current()) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}\n${built.stderr}`);
  }
  // The link to "badlink" replaces the first byte of any file sent with cat > "$tmp": a corrupted copy.
  fleet = await SshdFleet.start(['web1', 'web2', 'badlink'], {
    cd: true,
    forceCommand: {
      badlink: `case "$SSH_ORIGINAL_COMMAND" in *'cat > "$tmp"'*) { printf X; tail -c +2; } | /bin/sh -c "$SSH_ORIGINAL_COMMAND" ;; *) exec /bin/sh -c "$SSH_ORIGINAL_COMMAND" ;; esac`,
    },
  });
  binary = join(fleet.dir, 'medic');
  copyFileSync(BINARY, binary);
  sha256 = sha256Of(binary);
  writeFileSync(`${binary}.sha256`, `${sha256}  medic\n`);
  writeFileSync(join(fleet.dir, 'web.yaml'), HOST_YAML);
  writeFileSync(
    join(fleet.dir, 'medic.yaml'),
    `version: 1
hosts:
${['web1', 'web2', 'badlink'].map((n) => `  - name: ${n}\n    ssh: ${n}\n    medic: trial/usr/local/bin/medic`).join('\n')}
`,
  );
});
after(async () => fleet?.close());

const skip = sshdMissing ?? false;
const install = (...args: string[]) =>
  medic('fleet', 'install', '--binary', binary, '--root', 'trial', ...args);

test(
  'fleet install: the executable sent and checked there, medic.yaml and the unit written; a corrupted copy refused',
  { skip },
  async () => {
    const r = await install('--all-hosts', '--medic-yaml', 'web.yaml');
    assert.equal(r.code, 2, r.stderr);
    const [bad, ...good] = r.stdout.split('\n\n');
    assert.match(
      bad ?? '',
      /^badlink {2}copy refused {2}\d+\.\d s\n {2}the copy received has sha256 [0-9a-f]{64}, not [0-9a-f]{64}: refused, nothing was installed$/,
    );
    assert.ok(bad?.includes(`, not ${sha256}:`));
    assert.deepEqual(files('badlink'), [], 'nothing left behind on the host whose copy was refused');
    for (const name of ['web1', 'web2']) {
      const block = good.find((b) => b.startsWith(`${name}  changed  `)) ?? '';
      assert.ok(
        block.includes(
          `\n  medic ${version} installed: trial/usr/local/bin/medic (sha256 ${sha256.slice(0, 12)}…, checked there)\n`,
        ),
        block,
      );
      assert.ok(
        block.includes(
          '\n  trial/etc/medic/medic.yaml written\n  trial/etc/systemd/system/medic-watch.service written\n',
        ),
        block,
      );
      assert.ok(block.endsWith('\n  installed under trial: nothing was started'), block);
      assert.deepEqual(files(name), [
        'etc/medic/medic.yaml',
        'etc/systemd/system/medic-watch.service',
        'usr/local/bin/medic',
      ]);
      assert.equal(sha256Of(trial(name, 'usr/local/bin/medic')), sha256);
      assert.equal(readFileSync(trial(name, 'etc/medic/medic.yaml'), 'utf8'), HOST_YAML);
      const unit = readFileSync(trial(name, 'etc/systemd/system/medic-watch.service'), 'utf8');
      assert.ok(
        unit.includes(
          `\nExecStart=${trial(name, 'usr/local/bin/medic')} watch --config ${trial(name, 'etc/medic/medic.yaml')}\n`,
        ),
        unit,
      );
    }
    assert.match(r.stdout, /\n3 hosts: 1 copy refused \(badlink\), 2 changed \(web1, web2\)\n$/);
    for (const name of ['web1', 'web2', 'badlink'])
      assert.match(r.stderr, new RegExp(`^${name}: sending medic \\(none there yet\\)$`, 'm'));
  },
);

test(
  'fleet install again: nothing sent, nothing written, and it says so; a changed medic.yaml alone is written',
  { skip },
  async () => {
    const before = ['web1', 'web2'].map(mtimes);
    const again = await install('--hosts', 'web1,web2', '--medic-yaml', 'web.yaml', '--format', 'json');
    assert.equal(again.code, 0, again.stderr);
    for (const h of JSON.parse(again.stdout).hosts) {
      assert.equal(h.status, 'ok');
      assert.equal(h.result.changed, false, JSON.stringify(h.result));
      assert.deepEqual(h.result.changes, []);
      assert.deepEqual(h.result.unchanged, [
        `medic ${version} (trial/usr/local/bin/medic)`,
        'trial/etc/medic/medic.yaml',
        'trial/etc/systemd/system/medic-watch.service',
      ]);
    }
    assert.deepEqual(['web1', 'web2'].map(mtimes), before);

    writeFileSync(join(fleet.dir, 'web.yaml'), `${HOST_YAML}check:\n  skip: [dns]\n`);
    const text = await install('--hosts', 'web1', '--medic-yaml', 'web.yaml');
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, '', 'nothing sent');
    assert.match(
      text.stdout,
      new RegExp(
        `^web1 {2}changed {2}\\d+\\.\\d s\\n {2}trial/etc/medic/medic.yaml written\\n {2}already in place: medic ${version.replaceAll('.', '\\.')} \\(trial/usr/local/bin/medic\\), trial/etc/systemd/system/medic-watch.service\\n`,
      ),
    );
  },
);

test(
  'the medic installed answers --hosts; a binary that does not match its .sha256 is refused before any host',
  { skip },
  async () => {
    const r = await medic('--format', 'json', 'diagnose', '--log', LOG, '--hosts', 'web1,web2');
    assert.equal(r.code, 1, r.stderr);
    const own = spawnSync(BINARY, ['--format', 'json', 'diagnose', '--log', LOG], { encoding: 'utf8' });
    for (const h of JSON.parse(r.stdout).hosts) assert.deepEqual(h.result, JSON.parse(own.stdout));

    const corrupt = join(fleet.dir, 'corrupt-medic');
    const bytes = readFileSync(binary);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(corrupt, bytes, { mode: 0o755 });
    copyFileSync(`${binary}.sha256`, `${corrupt}.sha256`);
    const refused = await medic('fleet', 'install', '--binary', corrupt, '--root', 'trial', '--all-hosts');
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `medic: ${corrupt} does not match ${corrupt}.sha256: build it again (npm run build), nothing was sent\n`,
    );
    assert.equal(refused.stdout, '');
  },
);
