// The testbed's own deployment as a check's gather sees it: its Nginx sites read the way `nginx -T` prints
// them (Ubuntu 22.04's nginx.conf including sites-enabled/*), and each scenario's break applied to a copy of
// the real file the way the scenario's sed applies it.
import { readFileSync } from 'node:fs';
import { type Bind, parseBind } from '../../../src/app/bind.ts';
import { parseEnvFile } from '../../../src/app/envfile.ts';
import { parseNginxDump } from '../../../src/nginx/config.ts';
import { sitesOf } from '../../../src/nginx/sites.ts';
import type { NginxView } from '../../../src/discover/units.ts';
import type { NginxSite } from '../../../src/nginx/sites.ts';
import { fixture } from './tester.ts';

export type App = 'flaskapp' | 'fastapi' | 'djangoapp';

/** A file of the testbed image, as it lands on the box. */
export function testbedFile(path: string): string {
  return readFileSync(new URL(`../../../testbed/image/files/${path}`, import.meta.url), 'utf8');
}

/** The app's site file, with each [from, to] replaced as a scenario's `sed -i s|from|to|` does. */
export function siteText(app: App, ...edits: [string | RegExp, string][]): string {
  let text = testbedFile(`etc/nginx/sites-available/${app}`);
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${app}: the edit ${String(from)} changes nothing`);
    text = next;
  }
  return text;
}

/** Nginx's view of a host whose sites-enabled holds these files, from the `nginx -T` text they make. */
export function nginxWith(sites: Record<string, string>): NginxView {
  const dump = [
    'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
    'nginx: configuration file /etc/nginx/nginx.conf test is successful',
    '# configuration file /etc/nginx/nginx.conf:',
    fixture('nginx/ubuntu-22.04-nginx.conf'),
    ...Object.entries(sites).flatMap(([path, text]) => [`# configuration file ${path}:`, text]),
  ].join('\n');
  const parsed = parseNginxDump(dump);
  if (!parsed.ok) throw new Error(`the dump does not parse: ${parsed.error.message}`);
  return {
    sites: sitesOf(parsed.config),
    directives: parsed.config.directives,
    errorLogs: ['/var/log/nginx/error.log'],
    user: 'www-data',
  };
}

/**
 * The site in front of the app (the one that proxies, TLS first) and the whole view, as discovery finds them;
 * `others` are more files of the dump (an included snippet).
 */
export function siteOf(
  app: App,
  text = siteText(app),
  others: Record<string, string> = {},
): { nginx: NginxView; site: NginxSite } {
  const file = `/etc/nginx/sites-enabled/${app}`;
  const nginx = nginxWith({ ...others, [file]: text });
  const mine = nginx.sites.filter((s) => s.file === file);
  const site =
    mine.find((s) => s.listen.some((l) => l.ssl) && s.locations.length > 0) ??
    mine.find((s) => s.locations.length > 0) ??
    mine[0];
  if (!site) throw new Error(`${app}: no site`);
  return { nginx, site };
}

/** The app's env file as provision.sh writes it (/srv/APP/.env), name → value. */
export function envOf(app: App): Record<string, string> {
  const script = readFileSync(new URL('../../../testbed/image/provision.sh', import.meta.url), 'utf8');
  const body = new RegExp(`^cat > /srv/${app}/\\.env <<'ENV'\\n([\\s\\S]*?)^ENV$`, 'm').exec(script)?.[1];
  if (body === undefined) throw new Error(`${app}: no env file in provision.sh`);
  return Object.fromEntries(parseEnvFile(body));
}

/** A bind as Gunicorn's --bind or uvicorn's --host/--port give it: "127.0.0.1:8000", "unix:/run/app.sock". */
export function bind(text: string): Bind {
  const b = parseBind(text);
  if (!b) throw new Error(`not a bind: ${text}`);
  return b;
}
