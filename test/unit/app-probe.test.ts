// The app's one Python: its answer read back, each part as its own command would have printed it, and a
// process that printed no answer read as the import that failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appProbeOf } from '../../src/checks/app-probe.ts';

test('an answer: the import, and each part the process did', () => {
  const answer = {
    python: '3.11.2',
    ok: true,
    object: 'django.core.handlers.wsgi.WSGIHandler',
    importMs: 412,
    parts: {
      requirements: { code: 0, stdout: '[]', stderr: '' },
      djangoCheck: {
        code: 0,
        stdout: '',
        stderr:
          'System check identified some issues:\n\nWARNINGS:\n?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.',
      },
    },
  };
  const p = appProbeOf({ code: 0, stdout: `noise\nMEDIC-JSON ${JSON.stringify(answer)}\n`, stderr: '' });
  assert.equal(p.app.ok, true);
  assert.equal(p.app.importMs, 412);
  assert.equal(p.requirements?.stdout, '[]');
  assert.match(p.djangoCheck?.stderr ?? '', /security\.W004/);
  // not done in the process: the check runs its own command
  assert.equal(p.pipCheck, null);
  assert.equal(p.showMigrations, null);
});

test('no answer: the import failed with the last line of stderr, and no part is claimed', () => {
  const p = appProbeOf({
    code: 1,
    stdout: '',
    stderr:
      'Traceback (most recent call last):\n  File "<string>", line 9, in <module>\nModuleNotFoundError: No module named \'markdown\'\n',
  });
  assert.equal(p.app.ok, false);
  assert.equal(p.app.error, "ModuleNotFoundError: No module named 'markdown'");
  assert.equal(p.requirements, null);
  assert.equal(p.djangoCheck, null);
});

test('a process past its deadline: the import did not finish in time', () => {
  const p = appProbeOf({ code: null as unknown as number, stdout: '', stderr: '', timedOut: true });
  assert.equal(p.app.error, 'the import did not finish in time');
});
