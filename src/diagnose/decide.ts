// From evidence to the answer: the cause (and the alternatives), the first fatal line, the layers and status.
import { readOrder } from '../logs/event.ts';
import { CAUSES, causeById, UNKNOWN } from '../causes/index.ts';
import {
  cite,
  type Confidence,
  type Evidence,
  type Finding,
  LAYERS,
  type Layer,
  type Signal,
} from '../causes/types.ts';
import type { TimelineEntry } from './collect.ts';

export type Status = 'failing' | 'degraded' | 'healthy' | 'unknown';
export type LayerStatus = 'ok' | 'fail' | 'warn' | 'skip' | 'unknown';

export interface LayerReport {
  name: Layer;
  status: LayerStatus;
  summary: string;
}

export interface Diagnosis {
  status: Status;
  headline: string;
  firstFailingLayer: Layer | null;
  cause: {
    id: string;
    title: string;
    layer: Layer | null;
    confidence: Confidence;
    evidence: string[];
    fix: string[];
  } | null;
  alternatives: { id: string; title: string; confidence: Confidence }[];
  firstFatal: { time: string | null; source: string; line: string; at: string; context: string[] } | null;
  layers: LayerReport[];
  timeline: { time: string | null; source: string; text: string }[];
  changes: { time: string; what: string }[];
  routes: { path: string; errors: number }[];
  target: Evidence['target'];
  mode: 'live' | 'offline';
  inputs: string[];
}

// Causes that leave the site up while something is wrong: their meta says so.
const DEGRADING = new Set(CAUSES.filter((c) => c.meta.degrades).map((c) => c.meta.id));

/** How long the app must have run since its last start before the errors before it count as history. */
const STAYED_UP_MS = 10_000;

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

interface Ranked {
  id: string;
  finding: Finding;
}

/** An error from before the app's last good start, while it no longer crashes, is history. */
function stale(r: Ranked, evidence: Evidence): boolean {
  return staleTime(r.finding.signal?.event.time, evidence);
}

/** Printed before the app's last start, which it has outlived: history, not the present. */
function staleTime(t: string | null | undefined, evidence: Evidence): boolean {
  if (evidence.unit.crashLoop || !t || !evidence.lastStart) return false;
  const start = Date.parse(evidence.lastStart);
  // (a second of slack: Nginx and pasted journals log whole seconds)
  if (Date.parse(t) >= start - 1000) return false;
  // A start proves nothing until the app has stayed up a while: a restart loop looks healthy between crashes.
  return !evidence.now || Date.parse(evidence.now) - start >= STAYED_UP_MS;
}

function order(a: Ranked, b: Ranked): number {
  const byConfidence = RANK[b.finding.confidence] - RANK[a.finding.confidence];
  if (byConfidence !== 0) return byConfidence;
  // A warning the app logged and went on from is not the first real error: an error line is.
  const byLevel = Number(warned(a)) - Number(warned(b));
  if (byLevel !== 0) return byLevel;
  // The earliest explanation wins: in a restart loop the first error is the cause, the rest repeat it.
  const ta = a.finding.signal?.event.time ?? null;
  const tb = b.finding.signal?.event.time ?? null;
  if (ta && tb && ta !== tb) return ta < tb ? -1 : 1;
  if (a.finding.signal && !b.finding.signal) return -1;
  if (b.finding.signal && !a.finding.signal) return 1;
  const la = a.finding.signal ? readOrder(a.finding.signal.event) : 0;
  const lb = b.finding.signal ? readOrder(b.finding.signal.event) : 0;
  if (a.finding.signal?.origin === b.finding.signal?.origin && la !== lb) return la - lb;
  return LAYERS.indexOf(layerOf(a.id)) - LAYERS.indexOf(layerOf(b.id));
}

function warned(r: Ranked): boolean {
  const level = r.finding.signal?.event.level;
  // An exception printed with its traceback and no level of its own (stderr read as info) ended something.
  if (level === 'info' && (r.finding.signal?.context.length ?? 0) > 0) return false;
  return warnedLevel(level);
}

function warnedLevel(level: string | undefined): boolean {
  return level === 'warning' || level === 'notice' || level === 'info';
}

function layerOf(id: string): Layer {
  return causeById(id)?.meta.layer ?? 'app';
}

function fatalOf(signal: Signal): NonNullable<Diagnosis['firstFatal']> {
  return {
    time: signal.event.time,
    source: signal.event.unit ?? signal.event.source,
    line: signal.event.text.trim(),
    at: `${signal.origin}:${signal.event.line}`,
    context: signal.context.slice(-30),
  };
}

export interface DecideInput {
  evidence: Evidence;
  timeline: TimelineEntry[];
  routes: Map<string, number>;
  unclaimed: Signal[];
  /** Live: the layers as the probes found them. Offline: null. */
  probedLayers: LayerReport[] | null;
  changes: Diagnosis['changes'];
  mode: Diagnosis['mode'];
  inputs: string[];
}

export function decide(input: DecideInput): Diagnosis {
  const { evidence } = input;
  const found: Ranked[] = [];
  for (const cause of CAUSES) {
    const finding = cause.decide ? cause.decide(evidence) : null;
    // A warning the app logged and went on from proves less than an error that stopped it.
    if (finding?.confidence === 'high' && finding.signal && warnedLevel(finding.signal.event.level))
      finding.confidence = 'medium';
    if (finding) found.push({ id: cause.meta.id, finding });
  }
  found.sort((a, b) => Number(stale(a, evidence)) - Number(stale(b, evidence)) || order(a, b));
  const best = found[0];
  const layers = layersOf(input, best, found);
  const firstFailingLayer = layers.find((l) => l.status === 'fail')?.name ?? null;
  const unit = evidence.target.unit ?? evidence.unit.name;
  const crashing = evidence.unit.crashLoop;
  // Live, the probes speak for every layer: a stray error line with no traceback does not make a problem.
  const unexplained =
    input.mode === 'live'
      ? // (and a traceback of the process before this one, at its stop, is that process's)
        input.unclaimed.filter((s) => !s.captures.line && !staleTime(s.event.time, evidence))
      : input.unclaimed;
  // What the lines seemed to say, and why they do not prove it: still a problem, with no known cause.
  const ruledOut = found.length > 0 ? [] : CAUSES.flatMap((c) => c.ruledOut?.(evidence) ?? []);
  const anyProblem =
    found.length > 0 ||
    crashing ||
    unexplained.length > 0 ||
    ruledOut.length > 0 ||
    layers.some((l) => l.status === 'fail');

  let status: Status;
  if (!anyProblem) status = input.mode === 'live' ? 'healthy' : 'unknown';
  else if (
    crashing ||
    (best && !DEGRADING.has(best.id)) ||
    (!best && layers.some((l) => l.status === 'fail'))
  )
    status = 'failing';
  else status = 'degraded';
  // Offline, a log with nothing wrong in it proves nothing about the host.
  if (input.mode === 'offline' && !anyProblem) status = 'unknown';

  let cause: Diagnosis['cause'] = null;
  let firstFatal: Diagnosis['firstFatal'] = null;
  if (best) {
    const meta = causeById(best.id)?.meta;
    cause = {
      id: best.id,
      title: meta?.title ?? best.id,
      layer: meta?.layer ?? null,
      confidence: best.finding.confidence,
      evidence: best.finding.evidence,
      fix: causeById(best.id)?.fix(best.finding.captures, evidence.target) ?? [],
    };
    if (best.finding.signal) firstFatal = fatalOf(best.finding.signal);
  } else if (anyProblem) {
    // The first error no cause explains; else a line a cause recognised and then ruled out (nginx could not
    // resolve a container that had exited); else a symptom (a restart).
    const recognised = [...evidence.signals.values()]
      .map((s) => s.first)
      .sort((a, b) => readOrder(a.event) - readOrder(b.event));
    const refused = evidence.upstreamFailures[0];
    const first =
      input.unclaimed.find((s) => !s.captures.symptom) ??
      recognised[0] ??
      input.unclaimed[0] ??
      // Nginx's own line, for a refusal no cause could explain
      (refused && {
        cause: 'unknown',
        event: refused.event,
        context: [],
        captures: {},
        origin: refused.origin,
      });
    cause = {
      id: UNKNOWN.id,
      title: UNKNOWN.title,
      layer: firstFailingLayer,
      confidence: 'low',
      evidence: [
        ...(first
          ? [cite(first.origin, first.event)]
          : layers.filter((l) => l.status === 'fail').map((l) => `${l.name}: ${l.summary}`)),
        ...ruledOut,
      ],
      fix: [
        // Nothing answered Nginx: is anything listening there, and what does the site point at?
        ...(refused && !found.length
          ? [
              `ss -ltnxp | grep -F '${refused.target.kind === 'unix' ? refused.target.path : `:${refused.target.port}`}'   # what listens where Nginx connects`,
              'grep -rn -e proxy_pass -e "server " /etc/nginx/sites-enabled/ /etc/nginx/conf.d/',
            ]
          : []),
        unit
          ? evidence.inContainer
            ? `docker logs --tail 100 ${unit}`
            : `journalctl -u ${unit} -n 100 --no-pager`
          : 'journalctl -xe --no-pager | tail -100',
        '# medic found no known cause: the lines above are the evidence to read first',
      ],
    };
    if (first) firstFatal = fatalOf(first);
  }

  const headline = headlineOf(status, unit, cause, firstFailingLayer);
  return {
    status,
    headline,
    firstFailingLayer,
    cause,
    alternatives: found.slice(1, 4).map((r) => ({
      id: r.id,
      title: causeById(r.id)?.meta.title ?? r.id,
      confidence: r.finding.confidence,
    })),
    firstFatal,
    layers,
    timeline: input.timeline.map(({ time, source, text }) => ({ time, source, text })),
    changes: input.changes,
    routes: [...input.routes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([path, errors]) => ({ path, errors })),
    target: evidence.target,
    mode: input.mode,
    inputs: input.inputs,
  };
}

function layersOf(input: DecideInput, best: Ranked | undefined, found: Ranked[]): LayerReport[] {
  const { evidence } = input;
  const layers: LayerReport[] =
    input.probedLayers ??
    LAYERS.map((name) => ({ name, status: 'unknown' as LayerStatus, summary: 'not in the logs' }));
  const set = (name: Layer, status: LayerStatus, summary: string): void => {
    const l = layers.find((x) => x.name === name);
    if (!l) return;
    // A probe's own verdict stands; logs add what the probes could not see.
    if (l.status === 'fail' && status !== 'fail') return;
    if (input.probedLayers && l.status === 'ok' && status === 'warn') return;
    l.status = status;
    l.summary = summary;
  };
  if (!input.probedLayers) {
    if (evidence.upstreamFailures.length > 0) {
      const f = evidence.upstreamFailures[0];
      set('upstream', 'fail', `nginx cannot connect to the app (${f?.errno}: ${f?.reason})`);
    }
    if (evidence.unit.crashLoop) {
      set(
        'process',
        'fail',
        `${evidence.unit.name ?? 'the unit'} keeps exiting${evidence.unit.exitStatus ? ` (status ${evidence.unit.exitStatus})` : ''}${evidence.unit.restarts ? `, ${evidence.unit.restarts} restart${evidence.unit.restarts === 1 ? '' : 's'}` : ''}`,
      );
    } else if (evidence.binds.length > 0) {
      set('process', 'ok', 'the server started and listens');
    }
  }
  for (const r of found.slice(1)) set(layerOf(r.id), 'warn', causeById(r.id)?.meta.title ?? r.id);
  if (best) set(layerOf(best.id), 'fail', causeById(best.id)?.meta.title ?? best.id);
  return layers;
}

function headlineOf(
  status: Status,
  unit: string | null,
  cause: Diagnosis['cause'],
  layer: Layer | null,
): string {
  const who = unit ?? 'the app';
  if (status === 'healthy') return `${who} is healthy: every layer answered`;
  if (!cause) return `${who}: nothing in the logs explains a failure`;
  const where = layer ? ` (first failing layer: ${layer})` : '';
  return `${who} is ${status}: ${cause.id}${where}`;
}
