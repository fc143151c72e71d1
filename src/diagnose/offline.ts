// medic diagnose --log FILE...: the diagnosis from logs alone, with no access to the host they came from.
import { access, constants, stat } from 'node:fs/promises';
import type { Target } from '../causes/types.ts';
import { UsageError } from '../errors.ts';
import { chunksOfFile, eachLine } from '../logs/lines.ts';
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
    let n = 0;
    const input = path === '-' ? process.stdin : chunksOfFile(path);
    const env = { year };
    await eachLine(input, (data, start, end) => collector.pushBytes(data, start, end, ++n, origin, env));
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
  text
    .split('\n')
    .forEach((raw, i) => collector.pushLine(raw, i + 1, origin, { year: now.getUTCFullYear() }));
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
