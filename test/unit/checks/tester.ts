// An ESLint-style rule tester for checks: a table of facts a check's gather returns on a real server, and the
// verdict its judge must give on each; one test per case, named like a line of the spec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Check } from '../../../src/checks/types.ts';
import { type ExecCommand, parseShow, showExecCommands } from '../../../src/systemd/show.ts';

export interface Case<Facts> {
  /** Read after "passes when", "fails when", "skips when": the situation, in a user's words. */
  when: string;
  facts: Facts;
  /** What the summary must say. */
  says?: RegExp;
}

export interface Problem<Facts> extends Case<Facts> {
  status: 'warn' | 'fail';
  says: RegExp;
  /** What the fix must tell the user to run or change. */
  fix?: RegExp;
}

export interface Table<Facts> {
  valid: Case<Facts>[];
  invalid: Problem<Facts>[];
  /** Not applicable here, or medic cannot look: skip, never pass. */
  skipped?: Case<Facts>[];
}

/** One describe per check, one test per case. */
export function ruleTester<Facts, Ctx = never>(check: Check<Facts, Ctx>, table: Table<Facts>): void {
  describe(check.meta.id, () => {
    const expect = (c: Case<Facts>, status: string) => {
      const v = check.judge(c.facts);
      assert.equal(v.status, status, v.summary);
      if (c.says) assert.match(v.summary, c.says);
      return v;
    };
    for (const c of table.valid) test(`passes when ${c.when}`, () => void expect(c, 'pass'));
    for (const c of table.invalid)
      test(`${c.status}s when ${c.when}`, () => {
        const v = expect(c, c.status);
        if (c.fix) assert.match((v.fix ?? []).join('\n'), c.fix);
      });
    for (const c of table.skipped ?? []) test(`skips when ${c.when}`, () => void expect(c, 'skip'));
  });
}

/** A real capture from test/fixtures, without its "# source:" line. */
export function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8').replace(
    /^# source:.*\n/,
    '',
  );
}

/** ExecStart as `systemctl show` prints it on the server, parsed the way discovery parses it. */
export function execStart(argv: string): ExecCommand {
  const [path = ''] = argv.split(' ');
  const line = `ExecStart={ path=${path} ; argv[]=${argv} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }`;
  const exec = showExecCommands(parseShow(line), 'ExecStart')[0];
  if (!exec) throw new Error(`not an ExecStart: ${line}`);
  return exec;
}

/** What a probe result looks like: an answer, or a typed failure. */
export const ok = <T>(value: T, ms = 3) => ({ ok: true as const, value, ms });
export const failed = <K extends string>(kind: K, message: string, ms = 3) => ({
  ok: false as const,
  error: { kind, message },
  ms,
});
