// medic fleet install's pure parts: the facts its scripts print, read back as a person reads them, and the
// scripts' own paths under --root, quoted for the shell there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseFilesOutput, parseProbe } from '../../src/fleet/install-report.ts';
import { asShell, binaryScript, filesScript, probeScript, under } from '../../src/fleet/install-scripts.ts';

test('the probe: the architecture, the sha256 and version of the medic there, or none', () => {
  assert.deepEqual(parseProbe('arch=x86_64\nmedic=4f4cdc72\nversion=0.1.0\n'), {
    arch: 'x86_64',
    sha256: '4f4cdc72',
    version: '0.1.0',
  });
  assert.deepEqual(parseProbe('arch=aarch64\nmedic=-\nversion=-\n'), {
    arch: 'aarch64',
    sha256: null,
    version: null,
  });
});

test('the files script: what changed, what was already right, what a person should know', () => {
  const out = parseFilesOutput(
    [
      'wrote /etc/medic/medic.yaml',
      'same /etc/systemd/system/medic-watch.service',
      'same /etc/sudoers.d/medic',
      'user medic',
      'enabled medic-watch',
      'restarted medic-watch',
      '',
    ].join('\n'),
    '/',
  );
  assert.deepEqual(out, {
    changes: [
      '/etc/medic/medic.yaml written',
      'user medic created',
      'medic-watch enabled',
      'medic-watch restarted',
    ],
    unchanged: ['/etc/systemd/system/medic-watch.service', '/etc/sudoers.d/medic'],
    notes: [],
  });
  assert.match(
    parseFilesOutput('noconfig /etc/medic/medic.yaml\n', '/').notes[0] ?? '',
    /^no \/etc\/medic\/medic.yaml there, so no watch unit: give --medic-yaml FILE/,
  );
  assert.deepEqual(parseFilesOutput('nosystemd\n', '/').notes, [
    'systemd is not running there: the unit is written, not started',
  ]);
});

test('paths under --root; every script is valid sh, its paths quoted', () => {
  assert.equal(under('/', '/etc/medic/medic.yaml'), '/etc/medic/medic.yaml');
  assert.equal(under('/srv/trial/', '/etc/medic/medic.yaml'), '/srv/trial/etc/medic/medic.yaml');
  assert.equal(under('trial', '/usr/local/bin'), 'trial/usr/local/bin');
  const odd = "/tmp/it's here";
  for (const script of [
    probeScript(odd),
    binaryScript(odd, 'a'.repeat(64)),
    filesScript({ root: odd, config: true, binaryChanged: false }),
    filesScript({ root: '/', config: false, binaryChanged: true }),
  ]) {
    // sh -n reads the script as the login shell there would pass it on, without running it
    const r = spawnSync('/bin/sh', ['-c', asShell(script).replace(/^sh -c /, 'sh -n -c ')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stderr}\n${script}`);
  }
  assert.ok(probeScript(odd).includes(`bin='/tmp/it'\\''s here/usr/local/bin/medic'`));
});
