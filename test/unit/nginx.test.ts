// The nginx parser and the site model on real configurations: the testbed's own sites, public configs
// (test/fixtures/nginx, each naming its source on its first line) and an `nginx -T` dump.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  type Directive,
  type NginxConfig,
  type NginxParseError,
  filesOfDump,
  matchesGlob,
  parseNginx,
  parseNginxDump,
  parseNginxText,
  walk,
} from '../../src/nginx/config.ts';
import {
  type NginxSite,
  type UpstreamTarget,
  reaches,
  resolvePass,
  siteForBind,
  sitesOf,
  upstreamOf,
  upstreamsOf,
} from '../../src/nginx/sites.ts';
import { nginxDumpFromFiles } from '../../src/discover/units.ts';
import { hostAt } from '../../src/host/host.ts';

const FIXTURES = new URL('../fixtures/nginx/', import.meta.url);
const TESTBED = new URL('../../testbed/image/files/etc/nginx/sites-available/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const testbedSite = (name: string) => readFileSync(new URL(name, TESTBED), 'utf8');
const TESTBED_SITES = ['djangoapp', 'fastapi', 'flaskapp'];

function parsed(text: string, file = 'test.conf'): Directive[] {
  const result = parseNginxText(text, file);
  if (!Array.isArray(result)) assert.fail(`${result.file}:${result.line}: ${result.message}`);
  return result;
}

function config(result: ReturnType<typeof parseNginx>): NginxConfig {
  if (!result.ok) assert.fail(`${result.error.file}:${result.error.line}: ${result.error.message}`);
  return result.config;
}

function find(directives: Directive[], name: string): Directive {
  for (const { directive } of walk(directives)) if (directive.name === name) return directive;
  assert.fail(`no ${name} directive`);
}

/** A host where the Ubuntu nginx.conf includes the testbed's sites through sites-enabled/. */
function ubuntuHost(): Map<string, string> {
  const files = new Map<string, string>([['/etc/nginx/nginx.conf', fixture('ubuntu-22.04-nginx.conf')]]);
  for (const site of TESTBED_SITES) files.set(`/etc/nginx/sites-enabled/${site}`, testbedSite(site));
  return files;
}

function parseHost(files: Map<string, string>): NginxConfig {
  const paths = [...files.keys()];
  return config(
    parseNginx(
      '/etc/nginx/nginx.conf',
      (path) => files.get(path),
      (pattern) => paths.filter((p) => matchesGlob(pattern, p)),
    ),
  );
}

function testbedSites(): NginxSite[] {
  return sitesOf(parseHost(ubuntuHost()));
}

test('the tokenizer follows nginx: quotes, escapes, comments, variables, multi-line directives', () => {
  const cases: { code: string; name: string; args: string[]; line?: number }[] = [
    {
      code: 'add_header X-Frame-Options "SAMEORIGIN" always;',
      name: 'add_header',
      args: ['X-Frame-Options', 'SAMEORIGIN', 'always'],
    },
    {
      code: `log_format main '$remote_addr "$request"';`,
      name: 'log_format',
      args: ['main', '$remote_addr "$request"'],
    },
    // Only \" \' \\ \t \r \n are unescaped; the backslash of a regex escape stays.
    { code: 'gzip_disable "MSIE [1-6]\\.";', name: 'gzip_disable', args: ['MSIE [1-6]\\.'] },
    { code: 'return 200 "say \\"hi\\"";', name: 'return', args: ['200', 'say "hi"'] },
    { code: 'proxy_set_header X-Gate "";', name: 'proxy_set_header', args: ['X-Gate', ''] },
    { code: 'listen 80; # default_server {', name: 'listen', args: ['80'] },
    { code: 'set $a foo#bar;', name: 'set', args: ['$a', 'foo#bar'] },
    { code: 'set $x ${host}suffix;', name: 'set', args: ['$x', '${host}suffix'] },
    { code: 'rewrite ^/(.*)\\;x$ /$1;', name: 'rewrite', args: ['^/(.*)\\;x$', '/$1'] },
    {
      code: '\n\nserver_name\n\texample.com\n\twww.example.com\n\t;',
      name: 'server_name',
      args: ['example.com', 'www.example.com'],
      line: 3,
    },
    {
      code: 'if ($request_method = "POST") { return 405; }',
      name: 'if',
      args: ['($request_method', '=', 'POST', ')'],
    },
  ];
  for (const c of cases) {
    const [d] = parsed(c.code);
    assert.ok(d, c.code);
    assert.equal(d.name, c.name, c.code);
    assert.deepEqual(d.args, c.args, c.code);
    if (c.line !== undefined) assert.equal(d.line, c.line, c.code);
  }
});

test('syntax errors come back as values with the file and line nginx would report', () => {
  const invalid: { code: string; message: string; line: number }[] = [
    {
      code: 'http {\n  server {\n    listen 80;\n  }\n',
      message: 'unexpected end of file, expecting "}"',
      line: 4,
    },
    {
      code: 'events {}\nworker_processes 2',
      message: 'unexpected end of file, expecting ";" or "}"',
      line: 2,
    },
    { code: 'events {}\n}\n', message: 'unexpected "}"', line: 2 },
    { code: 'server {\n  ;\n}', message: 'unexpected ";"', line: 2 },
    { code: 'location / {\n  proxy_pass http://x }\n', message: 'unexpected "}"', line: 2 },
    { code: 'server_name "a"b;', message: 'unexpected "b"', line: 1 },
    {
      code: 'add_header X "never\nclosed;',
      message: 'unexpected end of file, expecting ";" or "}"',
      line: 2,
    },
  ];
  for (const c of invalid) {
    const result = parseNginxText(c.code, '/etc/nginx/sites-enabled/x');
    assert.ok(!Array.isArray(result), c.code);
    assert.deepEqual(result, {
      kind: 'syntax',
      message: c.message,
      file: '/etc/nginx/sites-enabled/x',
      line: c.line,
    });
  }
});

test('every real configuration of the fixtures and the testbed parses', () => {
  const names = readdirSync(FIXTURES).filter((n) => !n.endsWith('.txt'));
  assert.ok(names.length >= 6, 'at least six public configs');
  for (const name of names) {
    const text = fixture(name);
    assert.match(text.split('\n')[0] ?? '', /^# source: https:\/\//, name);
    assert.ok(parsed(text, name).length > 0, name);
  }
  for (const site of TESTBED_SITES) assert.ok(parsed(testbedSite(site), site).length > 0, site);
});

test("gunicorn's example nginx.conf: an upstream block on a unix socket, multi-line gzip_types", () => {
  const directives = parsed(fixture('gunicorn-example.conf'), 'nginx.conf');
  assert.deepEqual(find(directives, 'gzip_types').args, [
    'text/plain',
    'text/html',
    'text/xml',
    'text/css',
    'text/comma-separated-values',
    'text/javascript',
    'application/x-javascript',
    'application/atom+xml',
  ]);
  assert.deepEqual(find(directives, 'gzip_disable').args, ['MSIE [1-6]\\.']);
  const [site, ...others] = sitesOf(directives);
  assert.ok(site);
  assert.equal(others.length, 0);
  assert.deepEqual(site.serverNames, ['_']);
  assert.deepEqual(site.listen, [{ port: 80, ssl: false, defaultServer: true }]);
  assert.equal(site.root, '/path/to/app/current/public');
  assert.deepEqual(upstreamOf(site), [
    {
      location: '/',
      target: { kind: 'unix', path: '/tmp/gunicorn.sock' },
      via: 'proxy_pass',
      upstreamName: 'app_server',
    },
  ]);
  const errorPage = site.locations.find((l) => l.path === '/500.html');
  assert.equal(errorPage?.modifier, '=');
});

test('proxy_pass inside an `if` of a location still sends that location to the upstream', () => {
  const [site] = sitesOf(parsed(fixture('flask-docker-api.app_name.com')));
  assert.ok(site);
  assert.deepEqual(site.serverNames, ['api.app_name.com', 'apiv2.app_name.com']);
  assert.deepEqual(
    site.locations.map((l) => [l.path, l.alias ?? l.proxyPass ?? l.root]),
    [
      ['/static/', '/app/static/'],
      ['/', 'http://api_app_server'],
      ['/500.html', '/app/static/'],
    ],
  );
  assert.deepEqual(upstreamOf(site)[0]?.target, {
    kind: 'unix',
    path: '/app/app_name/api/servers/run/gunicorn.sock',
  });
});

test('listen forms: IPv6 wildcard, default_server, and no listen at all (*:80)', () => {
  const [piscine] = sitesOf(parsed(fixture('django-piscine-ljarrahd.com')));
  assert.deepEqual(piscine?.listen, [
    { port: 80, ssl: false, defaultServer: true },
    { address: '::', port: 80, ssl: false, defaultServer: true },
  ]);
  const [webRl] = sitesOf(parsed(fixture('web_rl.com')));
  assert.deepEqual(webRl?.listen, [{ port: 80, ssl: false }]);
  assert.deepEqual(webRl?.serverNames, ['localhost']);
  const table: { listen: string; expected: object }[] = [
    { listen: 'listen 443 ssl http2;', expected: { port: 443, ssl: true, http2: true } },
    { listen: 'listen 127.0.0.1:8080;', expected: { address: '127.0.0.1', port: 8080, ssl: false } },
    { listen: 'listen *:8443 ssl;', expected: { port: 8443, ssl: true } },
    {
      listen: 'listen [::1]:443 ssl default_server;',
      expected: { address: '::1', port: 443, ssl: true, defaultServer: true },
    },
    { listen: 'listen localhost;', expected: { address: 'localhost', port: 80, ssl: false } },
    { listen: 'listen unix:/run/nginx.sock;', expected: { port: null, unix: '/run/nginx.sock', ssl: false } },
  ];
  for (const { listen, expected } of table) {
    const [site] = sitesOf(parsed(`server { ${listen} }`));
    assert.deepEqual(site?.listen, [expected], listen);
  }
  const [http2On] = sitesOf(parsed('server { listen 443 ssl; http2 on; }'));
  assert.equal(http2On?.listen[0]?.http2, true);
});

test('a unix socket with a path after it, nested and named locations (hestiacp NodeJS template)', () => {
  const [site] = sitesOf(parsed(fixture('hestiacp-NodeJS.tpl')));
  assert.ok(site);
  const socket = { kind: 'unix', path: '%home%/%user%/web/%domain%/nodeapp/app.sock' };
  const byPath = new Map(site.locations.map((l) => [l.path, l]));
  assert.deepEqual(byPath.get('/')?.upstream, [socket]);
  assert.deepEqual(byPath.get('@fallback')?.upstream, [socket]);
  const nested = byPath.get('^.+\\.(%proxy_extensions%)$');
  assert.equal(nested?.modifier, '~*');
  assert.deepEqual(nested?.tryFiles, ['$uri', '@fallback']);
  assert.deepEqual(nested?.upstream, [], 'a nested location does not inherit its parent proxy_pass');
  assert.equal(byPath.get('/\\.ht')?.modifier, '~');
});

test('proxy_pass and uwsgi_pass targets, with upstream blocks and default ports', () => {
  const upstreams = upstreamsOf(
    parsed(
      'http { upstream app { server 127.0.0.1:8000; server unix:/run/x.sock; server 10.0.0.9 down; server backend; } }',
    ),
  );
  const table: { pass: string; via?: 'uwsgi_pass'; targets: UpstreamTarget[]; upstreamName?: string }[] = [
    { pass: 'http://127.0.0.1:8000/', targets: [{ kind: 'tcp', host: '127.0.0.1', port: 8000 }] },
    { pass: 'http://127.0.0.1:8000$request_uri', targets: [{ kind: 'tcp', host: '127.0.0.1', port: 8000 }] },
    { pass: 'http://localhost', targets: [{ kind: 'tcp', host: 'localhost', port: 80 }] },
    { pass: 'https://api.internal/v1/', targets: [{ kind: 'tcp', host: 'api.internal', port: 443 }] },
    { pass: 'http://[::1]:8001', targets: [{ kind: 'tcp', host: '::1', port: 8001 }] },
    { pass: 'http://unix:/run/x.sock', targets: [{ kind: 'unix', path: '/run/x.sock' }] },
    { pass: 'http://unix:/run/x.sock:/api/', targets: [{ kind: 'unix', path: '/run/x.sock' }] },
    { pass: 'http://unix:/run/x.sock:', targets: [{ kind: 'unix', path: '/run/x.sock' }] },
    {
      pass: 'http://app',
      upstreamName: 'app',
      targets: [
        { kind: 'tcp', host: '127.0.0.1', port: 8000 },
        { kind: 'unix', path: '/run/x.sock' },
        { kind: 'tcp', host: 'backend', port: 80 },
      ],
    },
    { pass: 'http://$backend', targets: [] },
    { pass: 'http://unix:$socket', targets: [] },
    {
      pass: 'unix:/run/uwsgi/app.sock',
      via: 'uwsgi_pass',
      targets: [{ kind: 'unix', path: '/run/uwsgi/app.sock' }],
    },
    { pass: '127.0.0.1:3031', via: 'uwsgi_pass', targets: [{ kind: 'tcp', host: '127.0.0.1', port: 3031 }] },
    {
      pass: 'uwsgi://127.0.0.1:3031',
      via: 'uwsgi_pass',
      targets: [{ kind: 'tcp', host: '127.0.0.1', port: 3031 }],
    },
    { pass: 'nowhere', via: 'uwsgi_pass', targets: [] },
  ];
  for (const c of table) {
    const resolved = resolvePass(c.pass, upstreams, c.via);
    assert.deepEqual(resolved.targets, c.targets, c.pass);
    assert.equal(resolved.upstreamName, c.upstreamName, c.pass);
  }
});

test('includes: relative to the conf prefix, globs in sorted order, missing files recorded', () => {
  const files = ubuntuHost();
  files.set('/etc/nginx/proxy_params', 'proxy_set_header Host $http_host;\n');
  files.set('/etc/nginx/sites-enabled/piscine', fixture('django-piscine-ljarrahd.com'));
  const result = parseHost(files);
  assert.deepEqual(result.files, [
    '/etc/nginx/nginx.conf',
    '/etc/nginx/sites-enabled/djangoapp',
    '/etc/nginx/sites-enabled/fastapi',
    '/etc/nginx/sites-enabled/flaskapp',
    '/etc/nginx/sites-enabled/piscine',
    '/etc/nginx/proxy_params',
  ]);
  // mime.types is named without a wildcard: nginx would refuse to start without it.
  assert.deepEqual(
    result.missing.map((m) => [m.path, m.line]),
    [['/etc/nginx/mime.types', 26]],
  );
  const piscine = sitesOf(result).find((site) => site.file === '/etc/nginx/sites-enabled/piscine');
  assert.deepEqual(piscine?.locations[0]?.upstream, [
    { kind: 'unix', path: '/project/django_gunicorn.sock' },
  ]);
  const included = [...walk(result.directives)].filter(
    ({ directive }) => directive.file === '/etc/nginx/proxy_params',
  );
  assert.equal(included.length, 1);
  assert.deepEqual(
    included[0]?.parents.map((p) => `${p.name} ${p.args.join(' ')}`.trim()),
    ['http', 'server', 'location /'],
    'an included file lands where its include was, and its directives keep their own file',
  );
  const gunicorn = config(
    parseNginx(
      '/etc/nginx/nginx.conf',
      (path) => (path === '/etc/nginx/nginx.conf' ? fixture('gunicorn-example.conf') : undefined),
      () => [],
    ),
  );
  assert.deepEqual(
    gunicorn.missing[0]?.path,
    '/etc/nginx/mime.types',
    '"include mime.types" is relative to /etc/nginx',
  );
});

test('include errors: a syntax error in an included file, a cycle, an unreadable main file', () => {
  const files = ubuntuHost();
  files.set(
    '/etc/nginx/sites-enabled/broken',
    'server {\n  location / {\n    proxy_pass http://127.0.0.1:8000 }\n}\n',
  );
  const paths = [...files.keys()];
  const glob = (pattern: string) => paths.filter((p) => matchesGlob(pattern, p));
  const broken = parseNginx('/etc/nginx/nginx.conf', (p) => files.get(p), glob);
  assert.ok(!broken.ok);
  assert.deepEqual(broken.error, {
    kind: 'syntax',
    message: 'unexpected "}"',
    file: '/etc/nginx/sites-enabled/broken',
    line: 3,
  });
  const loop = parseNginx(
    '/etc/nginx/nginx.conf',
    (p) => (p === '/etc/nginx/nginx.conf' ? 'include nginx.conf;' : undefined),
    glob,
  );
  assert.ok(!loop.ok);
  assert.equal(loop.error.kind, 'include');
  const none = parseNginx('/etc/nginx/nginx.conf', () => undefined, glob);
  assert.deepEqual(none.ok ? null : (none.error as NginxParseError).kind, 'read');
});

test('glob matching follows glob(3): one segment per wildcard, no dotfiles', () => {
  const valid: [string, string][] = [
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/flaskapp'],
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/default.conf'],
    ['/etc/nginx/conf.d/site?.conf', '/etc/nginx/conf.d/site1.conf'],
    ['/etc/nginx/conf.d/[ab]*.conf', '/etc/nginx/conf.d/api.conf'],
  ];
  const invalid: [string, string][] = [
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/sub/site'],
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/.hidden'],
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/default.conf.bak'],
    ['/etc/nginx/conf.d/[ab]*.conf', '/etc/nginx/conf.d/www.conf'],
  ];
  for (const [pattern, path] of valid) assert.ok(matchesGlob(pattern, path), `${pattern} ~ ${path}`);
  for (const [pattern, path] of invalid) assert.ok(!matchesGlob(pattern, path), `${pattern} !~ ${path}`);
});

// Inputs found by the fuzz of the parsers (test/fuzz/parsers.fuzz.ts), shrunk.
test('hostile globs: many wildcards in linear time; "[]…]" and backwards ranges as glob(3) reads them', () => {
  // a regular expression of ".*a.*a…" backtracked for 20 s on a name of 60 letters, and "*" x 30 for ever
  const start = performance.now();
  assert.ok(!matchesGlob('/etc/nginx/*a*a*a*a*a*a*a*b', `/etc/nginx/${'a'.repeat(60)}`));
  assert.ok(matchesGlob(`/etc/nginx/${'*'.repeat(400)}b`, `/etc/nginx/${'a'.repeat(200)}b`));
  assert.ok(!matchesGlob(`/etc/nginx/${'*a'.repeat(2000)}`, `/etc/nginx/${'a'.repeat(255)}`));
  assert.ok(performance.now() - start < 2000);
  assert.ok(
    matchesGlob('/etc/nginx/[]]x', '/etc/nginx/]x'),
    'a "]" first in a class is one of its characters',
  );
  assert.ok(matchesGlob('/etc/nginx/[!a]x', '/etc/nginx/bx'));
  assert.ok(!matchesGlob('/etc/nginx/[z-a]', '/etc/nginx/b'), 'a backwards range holds nothing');
  assert.ok(matchesGlob('/etc/nginx/[z-ab]', '/etc/nginx/b'));
  assert.ok(!matchesGlob('/etc/nginx/*', `/etc/nginx/${'a'.repeat(256)}`), 'no file has a name that long');
});

test('hostile nesting: blocks more than 100 deep are an error, in one file or through includes', () => {
  // 20,000 nested blocks: the stack overflowed in upstreamsOf, and walk copied each chain of parents
  const deep = (n: number) => `${'location / {\n'.repeat(n)}${'}'.repeat(n)}`;
  assert.ok(Array.isArray(parseNginxText(deep(100), 'x.conf')));
  assert.deepEqual(parseNginxText(deep(101), 'x.conf'), {
    kind: 'syntax',
    message: 'blocks nested more than 100 deep',
    file: 'x.conf',
    line: 101,
  });
  const files = new Map<string, string>();
  for (let i = 0; i < 30; i++)
    files.set(`/etc/nginx/${i}.conf`, `a { b { c { d { include ${i + 1}.conf; } } } }`);
  files.set('/etc/nginx/30.conf', 'listen 80;');
  const result = parseNginx(
    '/etc/nginx/0.conf',
    (p) => files.get(p),
    () => [],
  );
  assert.ok(!result.ok);
  assert.equal(result.error.message, 'blocks nested more than 100 deep');
  assert.equal(result.error.file, '/etc/nginx/25.conf');
});

test('the Ubuntu nginx.conf with the testbed sites: names, listens, certificates, upstreams', () => {
  const sites = testbedSites();
  assert.deepEqual(
    sites.map((s) => [
      s.serverNames.join(' '),
      s.listen.map((l) => `${l.port}${l.ssl ? ' ssl' : ''}`).join(','),
    ]),
    [
      ['django.medic.test', '80'],
      ['fastapi.medic.test', '80'],
      ['fastapi.medic.test', '443 ssl'],
      ['flask.medic.test', '80'],
    ],
  );
  const fastapiTls = sites[2] as NginxSite;
  assert.equal(fastapiTls.certificate, '/etc/ssl/medic-testbed/fastapi.medic.test.crt');
  assert.equal(fastapiTls.certificateKey, '/etc/ssl/medic-testbed/fastapi.medic.test.key');
  assert.equal(fastapiTls.file, '/etc/nginx/sites-enabled/fastapi');
  assert.deepEqual(upstreamOf(fastapiTls), [
    {
      location: '/',
      target: { kind: 'tcp', host: '127.0.0.1', port: 8000 },
      via: 'proxy_pass',
      upstreamName: 'fastapi_app',
    },
  ]);
  assert.deepEqual(upstreamOf(sites[1] as NginxSite), [], 'the redirect server proxies nothing');
  assert.deepEqual(upstreamOf(sites[3] as NginxSite)[0]?.target, {
    kind: 'unix',
    path: '/run/flaskapp/gunicorn.sock',
  });
  assert.equal(sites[0]?.locations.find((l) => l.path === '/static/')?.alias, '/srv/djangoapp/staticfiles/');
});

test('an `nginx -T` dump: status lines skipped, multi-line quoted log_format, a file left out', () => {
  const result = parseNginxDump(fixture('docker-magento.nginx-T.txt'));
  const parsedDump = config(result);
  assert.deepEqual(parsedDump.files, ['/etc/nginx/nginx.conf']);
  const logFormat = find(parsedDump.directives, 'log_format');
  assert.deepEqual(logFormat.args, [
    'main',
    '$remote_addr - $remote_user [$time_local] "$request" ',
    '$status $body_bytes_sent "$http_referer" ',
    '"$http_user_agent" "$http_x_forwarded_for"',
  ]);
  assert.equal(logFormat.file, '/etc/nginx/nginx.conf');
  assert.equal(logFormat.line, 19, 'lines count from the marker of the file');
  assert.deepEqual(
    parsedDump.missing.map((m) => m.path),
    ['/etc/nginx/mime.types'],
  );
});

test('a dump in the `nginx -T` format resolves includes among the dumped files', () => {
  const files = ubuntuHost();
  // nginx -T writes each file's contents after its marker line, then one more newline.
  const dump = [
    'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n',
    'nginx: configuration file /etc/nginx/nginx.conf test is successful\n',
    ...[...files].map(([path, text]) => `# configuration file ${path}:\n${text}\n`),
    // A file is dumped once even when included twice; a repeat would not replace it.
    '# configuration file /etc/nginx/sites-enabled/flaskapp:\nserver { listen 9999; }\n\n',
  ].join('');
  assert.equal(
    filesOfDump(dump).get('/etc/nginx/sites-enabled/djangoapp'),
    testbedSite('djangoapp').replace(/\n$/, ''),
  );
  const fromDump = sitesOf(config(parseNginxDump(dump)));
  assert.deepEqual(fromDump, testbedSites());
  const empty = parseNginxDump('nginx: [emerg] unknown directive "servr" in /etc/nginx/sites-enabled/x:1\n');
  assert.ok(!empty.ok);
  assert.equal(empty.error.kind, 'read');
});

test('reaches: which app binds a proxy target arrives at', () => {
  const tcp = (host: string, port: number): UpstreamTarget => ({ kind: 'tcp', host, port });
  const unix = (path: string): UpstreamTarget => ({ kind: 'unix', path });
  const valid: [UpstreamTarget, UpstreamTarget][] = [
    [tcp('127.0.0.1', 8000), tcp('127.0.0.1', 8000)],
    [tcp('localhost', 8000), tcp('127.0.0.1', 8000)],
    [tcp('localhost', 8000), tcp('::1', 8000)],
    [tcp('127.0.0.1', 8000), tcp('localhost', 8000)],
    [tcp('127.0.0.1', 8000), tcp('0.0.0.0', 8000)],
    [tcp('10.0.0.5', 8000), tcp('0.0.0.0', 8000)],
    [tcp('127.0.0.1', 8000), tcp('::', 8000)],
    [tcp('::1', 8000), tcp('::', 8000)],
    [tcp('0.0.0.0', 8000), tcp('127.0.0.1', 8000)],
    [unix('/run/app/gunicorn.sock'), unix('/run/app//gunicorn.sock')],
  ];
  const invalid: [UpstreamTarget, UpstreamTarget][] = [
    [tcp('127.0.0.1', 8000), tcp('127.0.0.1', 8001)],
    [tcp('127.0.0.1', 8001), tcp('::1', 8001)],
    [tcp('::1', 8000), tcp('0.0.0.0', 8000)],
    [tcp('10.0.0.5', 8000), tcp('127.0.0.1', 8000)],
    [tcp('127.0.0.2', 8000), tcp('127.0.0.1', 8000)],
    [tcp('app.internal', 8000), tcp('127.0.0.1', 8000)],
    [unix('/run/app.sock'), tcp('127.0.0.1', 8000)],
    [unix('/run/app.sock'), unix('/run/other.sock')],
  ];
  for (const [target, bind] of valid)
    assert.ok(reaches(target, bind), `${JSON.stringify(target)} → ${JSON.stringify(bind)}`);
  for (const [target, bind] of invalid)
    assert.ok(!reaches(target, bind), `${JSON.stringify(target)} ↛ ${JSON.stringify(bind)}`);
});

test('siteForBind finds the testbed site of each app, and none for a bind nginx does not reach', () => {
  const sites = testbedSites();
  const names = (bind: UpstreamTarget) =>
    siteForBind(sites, bind).map((s) => `${s.serverNames[0]}:${s.listen[0]?.port}`);
  assert.deepEqual(names({ kind: 'unix', path: '/run/flaskapp/gunicorn.sock' }), ['flask.medic.test:80']);
  assert.deepEqual(names({ kind: 'tcp', host: '127.0.0.1', port: 8000 }), ['fastapi.medic.test:443']);
  assert.deepEqual(names({ kind: 'tcp', host: '0.0.0.0', port: 8001 }), ['django.medic.test:80']);
  // The bind_address_mismatch scenario: Gunicorn on [::1]:8001 while nginx proxies to 127.0.0.1:8001.
  assert.deepEqual(names({ kind: 'tcp', host: '::1', port: 8001 }), []);
  assert.deepEqual(names({ kind: 'unix', path: '/run/flaskapp/flaskapp.sock' }), []);
});

/** A listen as "address:port" with its flags; "*" for all addresses. */
function listenText(l: NginxSite['listen'][number]): string {
  const address = l.unix !== undefined ? `unix:${l.unix}` : l.address === undefined ? '*' : l.address;
  const where =
    l.unix !== undefined ? address : `${address.includes(':') ? `[${address}]` : address}:${l.port}`;
  return [where, l.ssl && 'ssl', l.http2 && 'http2', l.defaultServer && 'default'].filter(Boolean).join(' ');
}

function targetText(t: UpstreamTarget): string {
  return t.kind === 'unix' ? `unix:${t.path}` : `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

interface SiteSummary {
  names: string[];
  listen: string[];
  /** ssl_certificate and ssl_certificate_key. */
  tls?: [string | undefined, string | undefined];
  root?: string;
  /** Locations served from disk by alias: path → directory. */
  aliases?: Record<string, string>;
  /** "location → target", one per location and upstream server. */
  upstream?: string[];
}

function summary(site: NginxSite): SiteSummary {
  const out: SiteSummary = { names: site.serverNames, listen: site.listen.map(listenText) };
  if (site.certificate !== undefined || site.certificateKey !== undefined) {
    out.tls = [site.certificate, site.certificateKey];
  }
  if (site.root !== undefined) out.root = site.root;
  const aliases = site.locations.filter((l) => l.alias !== undefined).map((l) => [l.path, l.alias as string]);
  if (aliases.length > 0) out.aliases = Object.fromEntries(aliases);
  const upstream = upstreamOf(site).map((u) => `${u.location} → ${targetText(u.target)}`);
  if (upstream.length > 0) out.upstream = upstream;
  return out;
}

test('public site configs of Python apps: names, listens, certificates, aliases and upstream targets', () => {
  const kalodev = '/home/django/deploy/app/static';
  const sureproed = '/home/dev1/pradeep-backend';
  const table: { fixture: string; sites: SiteSummary[] }[] = [
    {
      fixture: 'kaloyansen-deploy.nginx.app',
      sites: [
        { names: ['kalodev.site', 'www.kalodev.site'], listen: ['*:80 default', '[::]:80 default'] },
        {
          // The certificate comes from an included snippet; this file alone does not name one.
          names: [],
          listen: ['*:443 ssl http2 default', '[::]:443 ssl http2 default'],
          root: '/usr/share/nginx/html',
          aliases: {
            '/favicon.ico': `${kalodev}/ico/favicon.ico`,
            '/media': '/home/django/deploy/app/media',
            '/static': kalodev,
            '/static/admin': `${kalodev}/admin`,
            '/robots.txt': `${kalodev}/robots.txt`,
            '/img': `${kalodev}/img`,
            '/pdf': `${kalodev}/pdf`,
            '/cv': `${kalodev}/pdf`,
          },
          upstream: ['/ → unix:/home/django/gunicorn.socket'],
        },
      ],
    },
    {
      fixture: 'serprolim.com',
      sites: [
        {
          names: ['limpiezapozossepticos.com', 'www.limpiezapozossepticos.com'],
          listen: ['*:443 ssl http2'],
          tls: [
            '/etc/letsencrypt/live/limpiezapozossepticos.com/fullchain.pem',
            '/etc/letsencrypt/live/limpiezapozossepticos.com/privkey.pem',
          ],
          aliases: {
            '/static/': '/root/serprolim/app/staticfiles/',
            '/media/': '/root/serprolim/app/media/',
          },
          upstream: ['/ → unix:/run/serprolim.sock'],
        },
        { names: ['limpiezapozossepticos.com', 'www.limpiezapozossepticos.com'], listen: ['*:80'] },
      ],
    },
    {
      fixture: 'timo4ka.tutnow.ru',
      sites: [
        { names: ['timo4ka.tutnow.ru', 'www.timo4ka.tutnow.ru'], listen: ['*:80'] },
        {
          // Its /static location is commented out, braces and all.
          names: ['timo4ka.tutnow.ru', 'www.timo4ka.tutnow.ru'],
          listen: ['*:443 ssl'],
          tls: [
            '/etc/letsencrypt/live/timo4ka.tutnow.ru/fullchain.pem',
            '/etc/letsencrypt/live/timo4ka.tutnow.ru/privkey.pem',
          ],
          upstream: ['/ → localhost:10001'],
        },
      ],
    },
    {
      fixture: 'airfarms-default.conf.tpl',
      sites: [
        {
          names: [],
          listen: ['*:8000'],
          upstream: [
            '/static → servestaticfilebucket.s3.amazonaws.com:443',
            '/ → 127.0.0.1:9000',
            '/ws/ → 127.0.0.1:9001',
          ],
        },
      ],
    },
    {
      fixture: 'trebovanja-nginx-letsencrypt.pl',
      sites: [
        {
          names: ['<SERVER_NAME>'],
          listen: ['[::]:443 ssl', '*:443 ssl'],
          tls: [
            '/etc/letsencrypt/live/dnofiq4anfaqwrzctj.xyz/fullchain.pem',
            '/etc/letsencrypt/live/dnofiq4anfaqwrzctj.xyz/privkey.pem',
          ],
          upstream: ['/ → 127.0.0.1:5000'],
        },
        { names: ['<SERVER_NAME>'], listen: ['*:80 default', '[::]:80 default'] },
      ],
    },
    {
      // An envsubst template: the port and the upstream are variables until the container starts.
      fixture: 'jimbro-default.conf.tpl',
      sites: [{ names: [], listen: [], aliases: { '/static': '/vol/static' } }],
    },
    {
      fixture: 'django-quickstarter-default-ssl.conf.tpl',
      sites: [
        { names: ['${DOMAIN}', 'www.${DOMAIN}'], listen: ['*:80'] },
        {
          names: ['${DOMAIN}', 'www.${DOMAIN}'],
          listen: ['*:443 ssl'],
          tls: [
            '/etc/letsencrypt/live/${DOMAIN}/fullchain.pem',
            '/etc/letsencrypt/live/${DOMAIN}/privkey.pem',
          ],
          aliases: { '/static': '/vol/staticfiles', '/media': '/vol/mediafiles' },
        },
      ],
    },
    {
      fixture: 'sureproed.conf',
      sites: [
        { names: ['_'], listen: ['*:80 default', '[::]:80 default'] },
        {
          names: ['_'],
          listen: ['*:443 ssl default', '[::]:443 ssl default'],
          tls: ['/etc/ssl/certs/sureproed.crt', '/etc/ssl/private/sureproed.key'],
        },
        { names: ['api.sureproed.com'], listen: ['*:80', '[::]:80'] },
        {
          names: ['api.sureproed.com'],
          listen: ['*:443 ssl', '[::]:443 ssl'],
          tls: ['/etc/ssl/certs/sureproed.crt', '/etc/ssl/private/sureproed.key'],
          aliases: {
            '/static/': `${sureproed}/staticfiles/`,
            '/media/students/photos/': `${sureproed}/media/students/photos/`,
            '/media/students/banners/': `${sureproed}/media/students/banners/`,
            '/media/': `${sureproed}/media/`,
          },
          upstream: [
            '/media/offer_letters/ → 127.0.0.1:8000',
            '/media/students/resumes/ → 127.0.0.1:8000',
            '@django_media → 127.0.0.1:8000',
            '/ws/ → 127.0.0.1:8000',
            '/ → 127.0.0.1:8000',
          ],
        },
      ],
    },
    {
      fixture: 'django-project.com',
      sites: [
        {
          names: ['django-project.com', 'www.django-project.com'],
          listen: ['*:80', '[::]:80'],
          upstream: ['/ → unix:/run/django-project.com.gunicorn.sock'],
        },
      ],
    },
    {
      fixture: 'memoria.uy-conf.d',
      sites: [
        { names: ['yourdomain.com'], listen: ['*:80'] },
        {
          names: ['yourdomain.com'],
          listen: ['*:443 ssl'],
          tls: ['/etc/nginx/ssl/cert.pem', '/etc/nginx/ssl/key.pem'],
          aliases: { '/static/': '/app/static/', '/media/': '/app/media/' },
          upstream: ['/ → web:8000'],
        },
      ],
    },
    {
      fixture: 'netbox-nginx.conf',
      sites: [
        {
          names: ['netbox.example.com'],
          listen: ['*:443 ssl', '[::]:443 ssl'],
          tls: ['/etc/ssl/certs/netbox.crt', '/etc/ssl/private/netbox.key'],
          aliases: { '/static/': '/opt/netbox/netbox/static/' },
          upstream: ['/ → 127.0.0.1:8001'],
        },
        { names: ['_'], listen: ['*:80', '[::]:80'] },
      ],
    },
    {
      fixture: 'weblate.nginx.gunicorn.conf',
      sites: [
        {
          names: ['weblate'],
          listen: ['*:80'],
          root: '/var/www/html',
          aliases: {
            '^/favicon.ico$': '/home/weblate/data/cache/static/favicon.ico',
            '/static/': '/home/weblate/data/cache/static/',
            '/media/': '/home/weblate/data/media/',
          },
          upstream: ['/ → unix:/run/gunicorn.sock'],
        },
      ],
    },
    {
      fixture: 'cursodocker-nginx.conf',
      sites: [{ names: [], listen: ['*:80'], upstream: ['/ → app1:5000', '/ → app2:5000'] }],
    },
  ];
  for (const { fixture: name, sites } of table) {
    assert.deepEqual(sitesOf(parsed(fixture(name), name)).map(summary), sites, name);
  }
});

test('public configs: upstream blocks, location modifiers, quoted values with ";" and comments with "{"', () => {
  const airfarms = parsed(fixture('airfarms-default.conf.tpl'));
  assert.deepEqual(Object.fromEntries([...upstreamsOf(airfarms)].map(([n, ts]) => [n, ts.map(targetText)])), {
    django: ['127.0.0.1:9000'],
    socket: ['127.0.0.1:9001'],
  });
  const [airfarmsSite] = sitesOf(airfarms);
  assert.equal(
    airfarmsSite?.locations.find((l) => l.path === '/')?.upstreamName,
    'django',
    'uwsgi_pass to a block',
  );
  assert.equal(airfarmsSite?.locations[0]?.line, 16, 'CRLF line ends count as one line each');
  assert.deepEqual(
    find(airfarms, 'proxy_set_header').args,
    ['Host', 'servestaticfilebucket.s3.amazonaws.com'],
    'single-quoted value',
  );

  const quickstarter = parsed(fixture('django-quickstarter-default-ssl.conf.tpl'));
  assert.deepEqual(find(quickstarter, 'add_header').args, [
    'Strict-Transport-Security',
    'max-age=31536000; includeSubDomains',
    'always',
  ]);

  const jimbro = parsed(fixture('jimbro-default.conf.tpl'));
  const map = find(jimbro, 'map');
  assert.deepEqual(map.args, ['$http_upgrade', '$connection_upgrade']);
  assert.deepEqual(
    map.block?.map((d) => [d.name, ...d.args]),
    [
      ['default', 'upgrade'],
      ['', 'close'],
    ],
  );

  const sureproed = sitesOf(parsed(fixture('sureproed.conf')))[3] as NginxSite;
  assert.deepEqual(
    sureproed.locations.filter((l) => l.modifier === '^~').map((l) => l.path),
    ['/media/offer_letters/', '/media/students/resumes/'],
  );
  assert.deepEqual(sureproed.locations[1]?.tryFiles, ['$uri', '@django_media']);

  const weblate = sitesOf(parsed(fixture('weblate.nginx.gunicorn.conf')))[0];
  assert.equal(weblate?.locations[0]?.modifier, '~');

  const serprolim = parsed(fixture('serprolim.com'));
  const ifs = [...walk(serprolim)].filter(({ directive }) => directive.name === 'if');
  assert.deepEqual(
    ifs.map(({ directive }) => directive.args),
    [
      ['($host', '=', 'www.limpiezapozossepticos.com)'],
      ['($host', '=', 'limpiezapozossepticos.com)'],
    ],
  );

  const cursodocker = parsed(fixture('cursodocker-nginx.conf'));
  assert.deepEqual(
    find(cursodocker, 'upstream').block?.map((d) => [d.name, ...d.args]),
    [['least_conn'], ['server', 'app1:5000'], ['server', 'app2:5000']],
  );
});

test('listen: an envsubst placeholder is no address and no port', () => {
  for (const listen of ['listen ${LISTEN_PORT};', 'listen ${NGINX_HOST}:${PORT} ssl;', 'listen $port;']) {
    const [site] = sitesOf(parsed(`server { ${listen} }`));
    assert.deepEqual(site?.listen, [], listen);
  }
});

test('a public site file under the Ubuntu nginx.conf: its snippets are missing includes, its socket its bind', () => {
  const files = new Map([
    ['/etc/nginx/nginx.conf', fixture('ubuntu-22.04-nginx.conf')],
    ['/etc/nginx/sites-enabled/app', fixture('kaloyansen-deploy.nginx.app')],
  ]);
  const result = parseHost(files);
  assert.deepEqual(
    result.missing.map((m) => m.path),
    [
      '/etc/nginx/mime.types',
      '/etc/nginx/snippets/ssl-www.kalodev.site.conf',
      '/etc/nginx/snippets/ssl-params.conf',
      '/etc/nginx/mime.types',
    ],
  );
  const sites = sitesOf(result);
  assert.deepEqual(
    siteForBind(sites, { kind: 'unix', path: '/home/django/gunicorn.socket' }).map((s) => s.listen[0]?.port),
    [443],
  );
});

test('without nginx -T (not root: the TLS key is unreadable), the dump is made from the files themselves', async () => {
  const root = mkdtempSync(join(tmpdir(), 'medic-nginx-'));
  try {
    for (const [path, text] of ubuntuHost()) {
      mkdirSync(join(root, dirname(path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    // a dotfile the glob skips, as glob(3) does, and an include of a file that is not there
    writeFileSync(join(root, '/etc/nginx/sites-enabled/.flaskapp.swp'), 'server { listen 81; }');
    mkdirSync(join(root, '/etc/nginx/conf.d'));
    writeFileSync(join(root, '/etc/nginx/conf.d/extra.conf'), 'include snippets/missing.conf;\n');
    const dump = await nginxDumpFromFiles(hostAt(root), '/etc/nginx/nginx.conf');
    assert.ok(dump);
    assert.deepEqual(
      [...filesOfDump(dump).keys()],
      [
        '/etc/nginx/nginx.conf',
        '/etc/nginx/conf.d/extra.conf',
        '/etc/nginx/sites-enabled/djangoapp',
        '/etc/nginx/sites-enabled/fastapi',
        '/etc/nginx/sites-enabled/flaskapp',
      ],
    );
    const fromFiles = parseNginxDump(dump);
    assert.ok(fromFiles.ok);
    const summary = (sites: NginxSite[]) =>
      sites.map((s) => [s.file, s.serverNames.join(' '), upstreamOf(s).map((u) => JSON.stringify(u))]);
    assert.deepEqual(summary(sitesOf(fromFiles.config)), summary(testbedSites()));
    assert.deepEqual(
      fromFiles.config.missing.map((m) => m.path),
      ['/etc/nginx/mime.types', '/etc/nginx/snippets/missing.conf'],
    );
    assert.equal(await nginxDumpFromFiles(hostAt(root), '/etc/nginx/none.conf'), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
