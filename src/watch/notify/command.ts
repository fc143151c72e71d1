// A command of the user's: the alert as JSON on its stdin and as MEDIC_* variables in its environment, for
// whatever medic has no notifier for. It runs without a shell; a nonzero exit or a timeout is a failure the
// outbox retries.
import { run } from '../../host/run.ts';
import { type Alert, fixLines, severityOf } from '../alert.ts';
import { keyOf, maskedSend, type Notifier } from './notifier.ts';

/** The alert as environment variables: one line each, the fix one command a line. */
export function commandEnv(a: Alert): Record<string, string> {
  return {
    MEDIC_EVENT: a.event,
    MEDIC_KEY: a.key,
    MEDIC_SEVERITY: severityOf(a),
    MEDIC_INCIDENT: String(a.incident),
    MEDIC_SERVICE: a.service,
    MEDIC_UNIT: a.unit,
    MEDIC_HOST: a.host,
    MEDIC_HEADLINE: a.headline,
    MEDIC_SUMMARY: a.summary,
    MEDIC_STATE: a.state,
    MEDIC_STARTED_AT: a.startedAt,
    MEDIC_RESOLVED_AT: a.resolvedAt ?? '',
    MEDIC_RESTARTS: String(a.restarts),
    MEDIC_CAUSE: a.cause?.id ?? '',
    MEDIC_CAUSE_TITLE: a.cause?.title ?? '',
    MEDIC_LAYER: a.layer ?? '',
    MEDIC_FIRST_FATAL: a.firstFatal?.line ?? '',
    MEDIC_FIX: fixLines(a).join('\n'),
  };
}

export function commandNotifier(
  argv: string[],
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = process.env,
): Notifier {
  const [program = '', ...args] = argv;
  const name = program.split('/').pop() ?? program;
  return {
    key: keyOf('command', argv.join('\0')),
    label: `command ${name}`,
    // its arguments may hold a token of the user's
    send: maskedSend(args, async (a) => {
      const r = await run(program, args, {
        timeoutMs,
        input: JSON.stringify(a),
        env: { ...env, ...commandEnv(a) },
        maxBytes: 64 * 1024,
      });
      if (!r.ok) throw new Error(r.error.message);
      const { code, signal, timedOut, stderr } = r.value;
      if (timedOut) throw new Error(`${program} did not finish within ${Math.round(timeoutMs / 1000)} s`);
      if (code === 0) return;
      const last = stderr.trim().split('\n').pop()?.trim();
      throw new Error(
        `${program} ${code === null ? `was killed by ${signal}` : `exited with status ${code}`}${last ? `: ${last}` : ''}`,
      );
    }),
  };
}
