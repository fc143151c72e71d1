import type { Masker } from '../report/mask.ts';
import type { Diagnosis } from './decide.ts';
import { UsageError } from '../cli/exit.ts';

export interface LiveOptions {
  since: string | null;
  masker: Masker;
}

export async function diagnoseLive(_unit: string | null, _opts: LiveOptions): Promise<Diagnosis[]> {
  throw new UsageError('live diagnose is not available yet: use --log');
}
