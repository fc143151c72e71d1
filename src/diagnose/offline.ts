// medic diagnose --log FILE...: the diagnosis from logs alone, with no access to the host they came from.
import { access, constants, open, stat } from 'node:fs/promises';
import type { Target } from '../causes/types.ts';
import { UsageError } from '../errors.ts';
import { chunksOfFile, eachLine } from '../logs/lines.ts';
import { newestFirst } from '../logs/order.ts';
import { EvidenceCollector } from './collect.ts';
import { type Diagnosis, decide } from './decide.ts';

export const NO_TARGET: Target = {
  unit: null,
  workdir: null,
  venv: null,
  envFile: null,
  user: null,
  nginxSite: null,
  serverName: null,
  binds: [],
};

export async function checkLogInputs(paths: string[]): Promise<void> {
  if (paths.filter((p) => p === '-').length > 1)
    throw new UsageError('--log - (standard input) can be given only once');
  for (const p of paths) {
    if (p === '-') continue;
    try {
      const s = await stat(p);
      if (s.isDirectory()) throw new UsageError(`--log ${p}: is a directory, give a file`);
      await access(p, constants.R_OK);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--log ${p}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code)}`,
      );
    }
  }
}

export async function collectLogs(
  paths: string[],
  collector: EvidenceCollector,
  year: number,
): Promise<void> {
  for (const path of paths) {
    const origin = path === '-' ? 'stdin' : path;
    const env = { year };
    // A paste is read whole (it may be listed newest first); a big log streams.
    const whole = path === '-' ? null : await smallFile(path);
    if (whole !== null) {
      pushText(collector, whole, origin, env);
      continue;
    }
    let n = 0;
    const input = path === '-' ? process.stdin : chunksOfFile(path);
    await eachLine(input, (data, start, end) => collector.pushBytes(data, start, end, ++n, origin, env));
  }
}

/** The lines of TEXT, oldest first: a paste listed newest first is read turned over, with its own line numbers. */
function pushText(collector: EvidenceCollector, text: string, origin: string, env: { year: number }): void {
  const lines = text.split('\n');
  if (newestFirst(lines.slice(0, 200), env))
    for (let i = lines.length - 1; i >= 0; i--) collector.pushLine(lines[i] ?? '', i + 1, origin, env);
  else lines.forEach((raw, i) => collector.pushLine(raw, i + 1, origin, env));
}

/** The text of a file of at most 1 MB (what people paste), or null for a bigger one. */
async function smallFile(path: string): Promise<string | null> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    if (size > 1024 * 1024) return null;
    return (await file.readFile()).toString('utf8');
  } finally {
    await file.close();
  }
}

export async function diagnoseLogs(paths: string[], now = new Date()): Promise<Diagnosis> {
  await checkLogInputs(paths);
  const collector = new EvidenceCollector();
  await collectLogs(paths, collector, now.getUTCFullYear());
  return verdict(
    collector,
    paths.map((p) => (p === '-' ? 'stdin' : p)),
  );
}

/** The diagnosis of a log given as text: for tests and for logs already in memory. */
export function diagnoseText(
  text: string,
  origin = 'input',
  now = new Date(),
  opts: { kernelLogRead?: boolean } = {},
): Diagnosis {
  const collector = new EvidenceCollector();
  pushText(collector, text, origin, { year: now.getUTCFullYear() });
  return verdict(collector, [origin], opts.kernelLogRead === true);
}

function verdict(collector: EvidenceCollector, inputs: string[], kernelLogRead = false): Diagnosis {
  collector.finish();
  const evidence = collector.evidence();
  return decide({
    evidence: {
      ...evidence,
      kernelLogRead,
      probes: null,
      target: {
        ...NO_TARGET,
        unit: evidence.unit.name,
        venv: collector.execPath?.match(/^(.*)\/bin\/[^/]+$/)?.[1] ?? null,
      },
    },
    timeline: collector.timeline(),
    routes: collector.routes,
    unclaimed: collector.unclaimed,
    probedLayers: null,
    changes: [],
    mode: 'offline',
    inputs,
  });
}
