// The dashboard's pages as HTML, from the data of data.ts: pure functions, every value escaped by Hono's
// html template. No inline script or style: app.js draws the charts and swaps <main> on a change.
import { html, raw } from 'hono/html';
import type { Diagnosis } from '../diagnose/decide.ts';
import type { CheckResult } from '../checks/types.ts';
import type { DeployRecord, Incident } from '../store/store.ts';
import type { incidentData } from '../report/incidents.ts';
import { type CheckRunView, liveOf, type ReleasesView, type ServiceView } from './data.ts';

type Html = ReturnType<typeof html>;
export type IncidentDetail = ReturnType<typeof incidentData>;

/** The page around a <main>: title, navigation, the live-update mark, the assets by their versioned URLs. */
export interface Frame {
  title: string;
  /** The navigation entry that is this page. */
  nav: 'services' | 'incidents' | 'checks' | 'releases' | null;
  host: string;
  asset(name: string): string;
  /** The JSON behind the page. */
  api: string;
}

const NAV = [
  ['services', '/', 'Services'],
  ['incidents', '/incidents', 'Incidents'],
  ['checks', '/checks', 'Checks'],
  ['releases', '/releases', 'Releases'],
] as const;

export function page(frame: Frame, main: Html): string {
  return String(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${frame.title} · medic · ${frame.host}</title>
          <link rel="icon" href="${frame.asset('favicon.svg')}" />
          <link rel="stylesheet" href="${frame.asset('uPlot.min.css')}" />
          <link rel="stylesheet" href="${frame.asset('style.css')}" />
          <script src="${frame.asset('uPlot.iife.min.js')}" defer></script>
          <script src="${frame.asset('app.js')}" defer></script>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">medic</a>
            <nav>
              ${NAV.map(
                ([id, href, label]) =>
                  html`<a href="${href}" ${frame.nav === id ? raw('aria-current="page"') : ''}>${label}</a>`,
              )}
            </nav>
            <span class="host">${frame.host}</span>
            <span id="live" class="live" title="updates as medic records them">connecting</span>
          </header>
          <main id="main">${main}</main>
          <footer>read-only · the JSON of this page: <a href="${frame.api}">${frame.api}</a></footer>
        </body>
      </html> `,
  );
}

/** Just the inside of <main>: what app.js fetches to update a page without a reload. */
export function fragment(main: Html): string {
  return String(main);
}

// ---- small pieces ----

export function utc(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '-';
}

/** "42 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

function time(iso: string | null | undefined, now: number): Html {
  if (!iso) return html`<span class="dim">-</span>`;
  return html`<time datetime="${iso}" title="${utc(iso)}">${utc(iso)}</time>
    <span class="dim">(${duration(now - Date.parse(iso))} ago)</span>`;
}

const STATE_LABEL = { up: 'up', degraded: 'degraded', down: 'down', unknown: 'unknown' } as const;

function badge(state: string, label = state): Html {
  return html`<span class="badge badge-${state}">${label}</span>`;
}

function incidentBadge(state: Incident['state']): Html {
  return state === 'resolved'
    ? badge('up', 'resolved')
    : badge('down', state === 'gave_up' ? 'gave up' : 'open');
}

/** A command to paste, with a button that copies it; a line starting with # is a note, shown as such. */
function command(line: string): Html {
  if (line.startsWith('#')) return html`<div class="cmd note"><code>${line}</code></div>`;
  return html`<div class="cmd">
    <code>$ ${line}</code><button type="button" class="copy" data-copy="${line}">copy</button>
  </div>`;
}

function commands(lines: string[]): Html {
  const runnable = lines.filter((l) => !l.startsWith('#'));
  return html`<div class="commands">
    ${lines.map(command)}
    ${
      runnable.length > 1
        ? html`<button type="button" class="copy copy-all" data-copy="${runnable.join('\n')}">
            copy all ${runnable.length}
          </button>`
        : ''
    }
  </div>`;
}

/** A table's head row. */
function head(...columns: string[]): Html {
  return html`<thead>
    <tr>
      ${columns.map((c) => html`<th>${c}</th>`)}
    </tr>
  </thead>`;
}

// ---- services ----

export function servicesMain(services: ServiceView[], now: number): Html {
  const open = services.filter((s) => s.incident);
  return html`<h1>Services</h1>
    ${
      open.length
        ? html`<ul class="alerts">
            ${open.map(
              (s) =>
                html`<li>
                  <a href="${incidentHref(s.incident?.id ?? 0, s.incident?.host)}"
                    >${badge('down', s.incident?.state === 'gave_up' ? 'gave up' : 'open')}
                    <strong>#${s.incident?.id} ${s.name}${s.host ? ` on ${s.host}` : ''}</strong>:
                    ${s.incident?.summary}${
                      s.incident?.causeId ? html` <span class="cause">${s.incident.causeId}</span>` : ''
                    }</a
                  >
                </li>`,
            )}
          </ul>`
        : ''
    }
    ${
      services.length === 0
        ? html`<p class="empty">No services: medic.yaml names none, and no app unit was found.</p>`
        : ''
    }
    <div class="services">${services.map((s) => serviceCard(s, now))}</div>`;
}

export function serviceCard(s: ServiceView, now: number): Html {
  const c = s.lastCheck;
  const id = `service-${s.host ? `${s.host}-` : ''}${s.name}`;
  return html`<article class="service state-${s.state}" id="${id}" data-state="${s.state}">
    <header>
      <h2>${s.name}${s.host ? html` <span class="dim">on ${s.host}</span>` : ''}</h2>
      ${badge(s.state, STATE_LABEL[s.state])}
      <span class="unit">${s.unit}${s.workers.length ? ` + ${s.workers.join(', ')}` : ''}</span>
    </header>
    <p class="reason">${s.reason}</p>
    <p class="since">since ${time(s.since, now)}</p>
    ${
      s.incident
        ? html`<p class="incident-link">
            <a href="${incidentHref(s.incident.id, s.incident.host)}">incident #${s.incident.id}</a>
            ${
              s.incident.causeId
                ? html`<span class="cause">${s.incident.causeId}</span> ${s.incident.causeTitle}`
                : s.incident.openAlerted
                  ? html`<span class="dim">no cause found: the incident has the evidence</span>`
                  : html`<span class="dim">diagnosis pending</span>`
            }
          </p>`
        : ''
    }
    ${
      s.health
        ? html`<figure class="latency">
            <figcaption>
              health latency, 24 h
              <span class="dim"
                >${
                  s.health.day.samples
                    ? `median ${s.health.day.medianMs ?? '-'} ms · max ${s.health.day.maxMs ?? '-'} ms · ${s.health.day.failed} failed of ${s.health.day.samples}`
                    : 'no samples yet'
                }</span
              >
            </figcaption>
            <div class="chart" data-series="${JSON.stringify(s.health.chart)}"></div>
          </figure>`
        : html`<p class="dim">no health URL in medic.yaml: state from systemd only</p>`
    }
    <dl class="facts">
      <dt>restarts, 24 h</dt>
      <dd>
        ${s.restarts}${s.systemd?.restarts != null ? html` <span class="dim">(systemd's count: ${s.systemd.restarts})</span>` : ''}
      </dd>
      <dt>live release</dt>
      <dd>
        ${s.release.live ?? html`<span class="dim">not deployed by medic</span>`}
        ${
          s.release.lastDeploy && s.release.lastDeploy.outcome !== 'live'
            ? html`<span class="dim">(last deploy ${s.release.lastDeploy.outcome.replace('_', ' ')})</span>`
            : ''
        }
      </dd>
      <dt>last check</dt>
      <dd>
        ${
          c
            ? html`<a href="/checks#check-${s.host ? `${s.host}-` : ''}${s.name}">${checkCounts(c)}</a>
                <span class="dim">${duration(now - Date.parse(c.at))} ago</span>`
            : html`<span class="dim">never: <code>medic check ${s.name}</code></span>`
        }
      </dd>
      ${
        s.health
          ? html`<dt>health URL</dt>
              <dd><code>${s.health.url}</code></dd>`
          : ''
      }
    </dl>
  </article>`;
}

function checkCounts(c: { pass: number; warn: number; fail: number; skip: number }): Html {
  return html`<span class="count-pass">${c.pass} pass</span> ·
    <span class="count-warn">${c.warn} warn</span> · <span class="count-fail">${c.fail} fail</span>`;
}

// ---- incidents ----

export function incidentsMain(list: Incident[], now: number): Html {
  // The open ones first, then the rest newest first (the API keeps the CLI's order: newest first).
  const sorted = [
    ...list.filter((i) => i.state !== 'resolved'),
    ...list.filter((i) => i.state === 'resolved'),
  ];
  // rows from a shared store carry their host: a column then
  const hosts = list.some((i) => i.host !== undefined);
  return html`<h1>Incidents</h1>
    ${
      sorted.length === 0
        ? html`<p class="empty">No incidents recorded. medic watch records them as they happen.</p>`
        : html`<table class="incidents">
            ${head(...(hosts ? ['host'] : []), '#', 'state', 'service', 'started', 'lasted', 'restarts', 'cause', 'what happened')}
            <tbody>
              ${sorted.map(
                (i) =>
                  html`<tr class="incident-${i.state}" id="incident-${i.host ? `${i.host}-` : ''}${i.id}">
                    ${hosts ? html`<td>${i.host}</td>` : ''}
                    <td><a href="${incidentHref(i.id, i.host)}">#${i.id}</a></td>
                    <td>${incidentBadge(i.state)}</td>
                    <td>${i.service}</td>
                    <td>${time(i.startedAt, now)}</td>
                    <td>
                      ${
                        i.recoveredAt
                          ? duration(Date.parse(i.recoveredAt) - Date.parse(i.startedAt))
                          : html`<span class="dim">${duration(now - Date.parse(i.startedAt))} so far</span>`
                      }
                    </td>
                    <td>${i.restarts}</td>
                    <td>
                      ${i.causeId ? html`<span class="cause">${i.causeId}</span>` : html`<span class="dim">-</span>`}
                    </td>
                    <td><a href="${incidentHref(i.id, i.host)}">${i.summary}</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

export function incidentMain(i: IncidentDetail, now: number): Html {
  const d = i.diagnosis as Diagnosis | null;
  return html`<p class="crumbs"><a href="/incidents">Incidents</a></p>
    <h1>Incident #${i.id} · ${i.service}${i.host ? ` on ${i.host}` : ''} ${incidentBadge(i.state)}</h1>
    <p class="lede">${i.summary}</p>
    <dl class="facts wide">
      <dt>unit</dt>
      <dd>${i.unit}</dd>
      <dt>started</dt>
      <dd>${time(i.startedAt, now)}</dd>
      <dt>detected in</dt>
      <dd>${(i.timeToDetectMs / 1000).toFixed(1)} s</dd>
      <dt>recovered</dt>
      <dd>
        ${
          i.recoveredAt
            ? html`${utc(i.recoveredAt)}, ${duration(i.timeToRecoverMs ?? 0)} after it started`
            : html`<span class="dim">not yet</span>`
        }
      </dd>
      <dt>restarts</dt>
      <dd>${i.restarts} <span class="dim">(medic's: ${i.medicRestarts})</span></dd>
      <dt>cause</dt>
      <dd>
        ${
          i.causeId
            ? html`<span class="cause">${i.causeId}</span> ${i.causeTitle}`
            : html`<span class="dim">${i.diagnosis ? 'none found' : 'diagnosis pending'}</span>`
        }
      </dd>
    </dl>
    ${
      d
        ? diagnosisSection(d)
        : html`<section class="diagnosis">
            <h2>Diagnosis</h2>
            <p class="dim">not recorded yet: medic diagnoses each incident as it opens.</p>
          </section>`
    }
    <section>
      <h2>Timeline <span class="dim">(UTC)</span></h2>
      <table class="timeline">
        <tbody>
          ${i.timeline.map(
            (e) =>
              html`<tr class="event-${e.kind}">
                <td class="when">${e.time.slice(0, 10)} ${e.time.slice(11, 23)}</td>
                <td class="kind">${e.kind}</td>
                <td>${e.text}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section>
      <h2>Deploys around it</h2>
      ${
        i.deploys.length
          ? deploysTable(i.deploys)
          : html`<p class="dim">none from an hour before it started to its end</p>`
      }
    </section>
    ${
      i.alerts.length
        ? html`<section>
            <h2>Alerts</h2>
            <ul class="plain">
              ${i.alerts.map(
                (a) =>
                  html`<li>
                    ${a.kind} → ${a.notifier}:
                    ${
                      a.deliveredAt
                        ? `delivered ${utc(a.deliveredAt)}`
                        : html`<span class="warn"
                            >not delivered (${a.attempts}
                            attempts${a.lastError ? `: ${a.lastError}` : ''})</span
                          >`
                    }
                  </li>`,
              )}
            </ul>
          </section>`
        : ''
    }
    <p class="dim">in a terminal: <code>medic incidents show ${i.host ? `${i.host}/` : ''}${i.id}</code></p>`;
}

export function diagnosisSection(d: Diagnosis): Html {
  const fatal = d.firstFatal;
  return html`<section class="diagnosis">
    <h2>Diagnosis</h2>
    <p class="headline">${d.headline}</p>
    <dl class="facts wide">
      <dt>first failing layer</dt>
      <dd>${d.firstFailingLayer ?? html`<span class="dim">none found</span>`}</dd>
      <dt>cause</dt>
      <dd>
        ${
          d.cause
            ? html`<span class="cause">${d.cause.id}</span> ${d.cause.title}
                <span class="dim">(${d.cause.confidence} confidence)</span>`
            : html`<span class="dim">none of the known causes fits: read the first fatal line</span>`
        }
      </dd>
    </dl>
    ${
      fatal
        ? html`<h3>First fatal line</h3>
            <pre class="fatal">${fatal.line}</pre>
            <p class="dim">${fatal.time ? `${utc(fatal.time)} · ` : ''}${fatal.source} · ${fatal.at}</p>`
        : ''
    }
    ${
      d.cause && d.cause.fix.length
        ? html`<h3>Fix</h3>
            ${commands(d.cause.fix)}`
        : ''
    }
    ${
      d.cause && d.cause.evidence.length
        ? html`<h3>Evidence</h3>
            <ul class="evidence">
              ${d.cause.evidence.map((e) => html`<li><code>${e}</code></li>`)}
            </ul>`
        : ''
    }
    ${
      d.layers.length
        ? html`<details>
            <summary>Layers on the request path</summary>
            <table class="layers">
              ${d.layers.map(
                (l) =>
                  html`<tr class="layer-${l.status}">
                    <td>${l.name}</td>
                    <td>
                      ${badge(l.status === 'ok' ? 'up' : l.status === 'fail' ? 'down' : l.status === 'warn' ? 'degraded' : 'unknown', l.status)}
                    </td>
                    <td>${l.summary}</td>
                  </tr>`,
              )}
            </table>
          </details>`
        : ''
    }
  </section>`;
}

function deploysTable(deploys: DeployRecord[]): Html {
  return html`<table class="deploys">
    ${head('finished', 'service', 'what', 'release', 'before', 'how it ended')}
    <tbody>
      ${deploys.map(
        (d) =>
          html`<tr class="deploy-${d.outcome}">
            <td>${utc(d.finishedAt)}</td>
            <td>${d.service}</td>
            <td>${d.kind}</td>
            <td><code>${d.release}</code></td>
            <td><code>${d.previous ?? '-'}</code></td>
            <td>
              ${
                d.outcome === 'live'
                  ? badge('up', 'live')
                  : badge(d.outcome === 'failed' ? 'down' : 'degraded', d.outcome.replace('_', ' '))
              }
              ${d.step ? html`<span class="dim">at ${d.step}</span>` : ''} ${d.message ?? ''}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

// ---- checks ----

const MARK = { pass: '✓', warn: '!', fail: '✗', skip: '-' } as const;

/** `here`: this host, with a shared store (whose runs are every host's): the services are its. */
export function checksMain(runs: CheckRunView[], services: string[], now: number, here?: string): Html {
  const never = services.filter(
    (s) => !runs.some((r) => r.target.service === s && (r.host === undefined || r.host === here)),
  );
  return html`<h1>Checks</h1>
    <p class="dim">The last <code>medic check</code> of each service, as it ran.</p>
    ${runs.map((r) => checkRun(r, now))}
    ${
      never.length
        ? html`<section>
            <h2>Never checked</h2>
            ${never.map((s) => html`<p>${s}: ${command(`medic check ${s}`)}</p>`)}
          </section>`
        : ''
    }`;
}

function checkRun(r: CheckRunView, now: number): Html {
  return html`<section class="check-run" id="check-${r.host ? `${r.host}-` : ''}${r.target.service}">
    <h2>
      ${r.target.service}${r.host ? html` <span class="dim">on ${r.host}</span>` : ''}
      ${r.summary.fail ? badge('down', 'fail') : r.summary.warn ? badge('degraded', 'warn') : badge('up', 'pass')}
    </h2>
    <p>
      ${time(r.checkedAt, now)} · ${checkCounts(r.summary)} · ${r.summary.skip} skip ·
      ${(r.ms / 1000).toFixed(1)} s
    </p>
    <p>run it again: ${command(r.command)}</p>
    <table class="checks">
      <tbody>
        ${r.results.map((c) => checkRow(c))}
      </tbody>
    </table>
  </section>`;
}

function checkRow(c: CheckResult): Html {
  const detail = c.status === 'fail' || c.status === 'warn';
  return html`<tr class="check-${c.status}" data-check="${c.id}">
      <td class="mark mark-${c.status}" title="${c.status}">${MARK[c.status]}</td>
      <td class="dim">${c.layer}</td>
      <td><code>${c.id}</code></td>
      <td>${c.summary}</td>
    </tr>
    ${
      detail && (c.evidence.length || c.fix.length)
        ? html`<tr class="check-detail">
            <td></td>
            <td></td>
            <td colspan="2">
              ${
                c.evidence.length
                  ? html`<ul class="evidence">
                      ${c.evidence.map((e) => html`<li><code>${e}</code></li>`)}
                    </ul>`
                  : ''
              }
              ${c.fix.length ? commands(c.fix) : ''}
            </td>
          </tr>`
        : ''
    }`;
}

// ---- releases ----

export function releasesMain(data: ReleasesView, services: string[]): Html {
  // with a shared store the deploys are every host's: this host's go with its services, the others' after
  const mine = (d: DeployRecord) => d.host === undefined || d.host === data.here;
  const others = [
    ...new Set(data.deploys.filter((d) => !mine(d)).map((d) => `${d.host ?? ''}\u0000${d.service}`)),
  ];
  return html`<h1>Releases</h1>
    ${services.map((name) => {
      const rows = data.releases.filter((r) => r.service === name);
      const deploys = data.deploys.filter((d) => d.service === name && mine(d));
      const live = rows.find((r) => r.live)?.id ?? liveOf(deploys[0] ?? null);
      return html`<section class="releases" id="releases-${name}">
        <h2>${name}</h2>
        <p>
          live:
          ${live ? html`<code class="live-release">${live}</code>` : html`<span class="dim">not deployed by medic</span>`}
        </p>
        ${
          rows.length
            ? html`<table>
                ${head('', 'release', 'made', 'from', 'migrations', 'its last deploy')}
                <tbody>
                  ${rows.map(
                    (r) =>
                      html`<tr class="${r.live ? 'live' : ''}">
                        <td>${r.live ? badge('up', 'live') : ''}</td>
                        <td><code>${r.id}</code></td>
                        <td>${utc(r.createdAt)}</td>
                        <td>${r.source ?? '?'}${r.revision ? ` @${r.revision.slice(0, 12)}` : ''}</td>
                        <td>${r.migrationHead ?? ''}</td>
                        <td>
                          ${r.result ? `${r.result.outcome.replace('_', ' ')}${r.result.step ? ` at ${r.result.step}` : ''}` : ''}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : ''
        }
        ${
          deploys.length
            ? html`<h3>Deploys</h3>
                ${deploysTable(deploys)}`
            : html`<p class="dim">
                no deploy recorded: <code>medic deploy --init</code> starts the release layout
              </p>`
        }
      </section>`;
    })}
    ${others.map((key) => {
      const [host, name] = key.split('\u0000');
      const deploys = data.deploys.filter((d) => d.host === host && d.service === name);
      return html`<section class="releases" id="releases-${host}-${name}">
        <h2>${name} <span class="dim">on ${host}</span></h2>
        <p>
          live:
          ${liveOf(deploys[0] ?? null) ? html`<code class="live-release">${liveOf(deploys[0] ?? null)}</code>` : html`<span class="dim">not deployed by medic</span>`}
        </p>
        <h3>Deploys</h3>
        ${deploysTable(deploys)}
      </section>`;
    })}`;
}

/** An incident's page: ?host= names its host when the store is shared (each host numbers its own). */
function incidentHref(id: number, host: string | undefined): string {
  return `/incidents/${id}${host ? `?host=${encodeURIComponent(host)}` : ''}`;
}

// ---- errors ----

export function errorMain(status: number, message: string): Html {
  return html`<h1>${status}</h1>
    <p class="lede">${message}</p>
    <p><a href="/">the services</a></p>`;
}
