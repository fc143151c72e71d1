// The request path in front of the app: DNS, the firewall and Nginx, on the testbed's real sites (each
// scenario's break applied as its script applies it), real `ufw status verbose`, `nft list ruleset` and
// `iptables -S` text, /proc/net/tcp lines, and `nginx -t` output from real reports.
import { check as resolvesHere } from '../../../src/checks/dns_resolves_here.ts';
import { check as publicPorts } from '../../../src/checks/firewall_public_ports.ts';
import { check as configValid } from '../../../src/checks/nginx_config_valid.ts';
import { check as proxyHeaders } from '../../../src/checks/nginx_proxy_headers.ts';
import { check as socketPermission } from '../../../src/checks/nginx_socket_permission.ts';
import { check as staticAlias } from '../../../src/checks/nginx_static_alias_exists.ts';
import { check as upstreamMatches } from '../../../src/checks/nginx_upstream_matches_bind.ts';
import { classifyDnsError, type Resolution } from '../../../src/host/dns.ts';
import { parseProcNetTcp, type Listener } from '../../../src/host/listeners.ts';
import { bind, siteOf, siteText } from './testbed.ts';
import { fixture, ok, ruleTester } from './tester.ts';

// ---- dns.resolves_here ---------------------------------------------------------------------------------

const django = siteOf('djangoapp');
// The addresses of a VM's interfaces as os.networkInterfaces() gives them (lo, eth0), zone ids stripped
const OWN = ['127.0.0.1', '10.0.2.15', '::1', 'fec0::5054:ff:fe12:3456', 'fe80::5054:ff:fe12:3456'];
const resolved = (name: string, ...addresses: string[]) => ({
  name,
  result: ok<Resolution>({ name, addresses }),
});
// getaddrinfo's failure as node reports it, classified as the probe classifies it
const unresolved = (name: string, code: string) => ({
  name,
  result: {
    ok: false as const,
    error: classifyDnsError(Object.assign(new Error(`getaddrinfo ${code} ${name}`), { code }), name),
    ms: 12,
  },
});

ruleTester(resolvesHere, {
  valid: [
    {
      when: "the name resolves to loopback through the testbed's /etc/hosts",
      facts: { site: true, answers: [resolved('django.medic.test', '127.0.0.1')], ownAddresses: OWN },
      says: /django.medic.test → 127.0.0.1/,
    },
    {
      when: "the A record is the address of this server's eth0",
      facts: { site: true, answers: [resolved('django.medic.test', '10.0.2.15')], ownAddresses: OWN },
    },
    {
      when: "one of an A and an AAAA record is this server's (the other is an old address)",
      facts: {
        site: true,
        answers: [resolved('django.medic.test', '198.51.100.4', 'fec0::5054:ff:fe12:3456')],
        ownAddresses: OWN,
      },
    },
  ],
  invalid: [
    {
      when: '/etc/hosts sends the name to another machine (192.0.2.10)',
      facts: { site: true, answers: [resolved('django.medic.test', '192.0.2.10')], ownAddresses: OWN },
      status: 'fail',
      says: /django.medic.test → 192.0.2.10: not this server/,
      fix: /dig \+short django.medic.test/,
    },
    {
      when: 'the name has no record at all (ENOTFOUND)',
      facts: { site: true, answers: [unresolved('django.medic.test', 'ENOTFOUND')], ownAddresses: OWN },
      status: 'fail',
      says: /django.medic.test does not resolve \(not_found\)/,
      fix: /point the A\/AAAA record at this server/,
    },
    {
      when: 'the resolver cannot answer now (EAI_AGAIN)',
      facts: { site: true, answers: [unresolved('django.medic.test', 'EAI_AGAIN')], ownAddresses: OWN },
      status: 'fail',
      says: /does not resolve \(temporary\)/,
    },
  ],
  skipped: [
    { when: 'no Nginx site is in front of the app', facts: { site: false, answers: [], ownAddresses: OWN } },
    {
      when: 'the site answers only to "_" or an IP address (dnsNames gives nothing to ask)',
      facts: { site: true, answers: [], ownAddresses: OWN },
    },
  ],
});

// ---- firewall.public_ports -----------------------------------------------------------------------------

// /proc/net/tcp and tcp6 lines of a server: who listens where (owners as /proc/PID/fd gives them)
const TCP = {
  nginx80:
    '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21541 1 0000000000000000 100 0 0 10 0',
  nginx443:
    '   1: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21542 1 0000000000000000 100 0 0 10 0',
  ssh: '   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18311 1 0000000000000000 100 0 0 10 0',
  pgLocal:
    '   3: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 22104 1 0000000000000000 100 0 0 10 0',
  pgPublic:
    '   3: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 22104 1 0000000000000000 100 0 0 10 0',
  redisLocal:
    '   4: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   110        0 22391 1 0000000000000000 100 0 0 10 0',
  redisPublic:
    '   4: 00000000:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   110        0 22391 1 0000000000000000 100 0 0 10 0',
  appLocal:
    '   5: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30117 1 0000000000000000 100 0 0 10 0',
  appPublic:
    '   5: 00000000:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30117 1 0000000000000000 100 0 0 10 0',
};
const listening = (...lines: string[]): Listener[] => parseProcNetTcp(lines.join('\n'), 'LE');
const HEALTHY = listening(TCP.nginx80, TCP.ssh, TCP.pgLocal, TCP.redisLocal, TCP.appLocal);
const djangoBehindNginx = { site: django.site, binds: [bind('127.0.0.1:8001')] };

// `ufw status verbose` after the usual setup (ufw allow OpenSSH; ufw allow 'Nginx Full'; ufw enable), as in
// https://www.digitalocean.com/community/tutorials/how-to-set-up-a-firewall-with-ufw-on-ubuntu
const UFW_NGINX_FULL = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp (OpenSSH)           ALLOW IN    Anywhere
80,443/tcp (Nginx Full)    ALLOW IN    Anywhere
22/tcp (OpenSSH (v6))      ALLOW IN    Anywhere (v6)
80,443/tcp (Nginx Full (v6)) ALLOW IN    Anywhere (v6)
`;
// A fresh Debian server: ufw installed but off, iptables' INPUT chain accepting everything
const UFW_INACTIVE = 'Status: inactive\n';
const IPTABLES_OPEN = '-P INPUT ACCEPT\n';
const fw = (over: { ufw?: string | null; nft?: string | null; iptables?: string | null }) => ({
  ufw: null,
  nft: null,
  iptables: null,
  ...over,
});

ruleTester(publicPorts, {
  valid: [
    {
      when: "ufw allows OpenSSH and 'Nginx Full', and the app, PostgreSQL and Redis listen on loopback",
      facts: { service: djangoBehindNginx, ...fw({ ufw: UFW_NGINX_FULL }), listeners: HEALTHY },
      says: /^80 open; app, PostgreSQL and Redis ports are local only$/,
    },
    {
      when: 'there is no firewall but nothing private listens on every interface',
      facts: {
        service: djangoBehindNginx,
        ...fw({ ufw: UFW_INACTIVE, iptables: IPTABLES_OPEN }),
        listeners: HEALTHY,
      },
    },
    {
      when: "PostgreSQL listens on 0.0.0.0 but nftables' policy drop lets only SSH, 80 and 443 in",
      facts: {
        service: djangoBehindNginx,
        ...fw({
          nft: fixture('checks/nft-ruleset-ssh-only.txt').replace(
            'tcp dport 22 accept',
            'tcp dport { 22, 80, 443 } accept',
          ),
        }),
        listeners: listening(TCP.nginx80, TCP.pgPublic, TCP.appLocal),
      },
    },
  ],
  invalid: [
    {
      when: "ufw allows 80 and 443 only for routed traffic (ALLOW FWD, Docker's rules), not into this host",
      facts: {
        service: djangoBehindNginx,
        ...fw({ ufw: fixture('checks/ufw-status-verbose-ssh-only.txt') }),
        listeners: HEALTHY,
      },
      status: 'fail',
      says: /the firewall drops 80, where Nginx serves the site/,
      fix: /^ufw allow 80\/tcp$/m,
    },
    {
      when: "nftables' input chain drops everything but SSH",
      facts: {
        service: djangoBehindNginx,
        ...fw({ nft: fixture('checks/nft-ruleset-ssh-only.txt') }),
        listeners: HEALTHY,
      },
      status: 'fail',
      says: /drops 80/,
      fix: /nft add rule inet filter input tcp dport 80 accept/,
    },
    {
      when: 'Gunicorn binds 0.0.0.0:8001 behind Nginx and no firewall runs (bind_public)',
      facts: {
        service: { site: django.site, binds: [bind('0.0.0.0:8001')] },
        ...fw({ ufw: UFW_INACTIVE, iptables: IPTABLES_OPEN }),
        listeners: listening(TCP.nginx80, TCP.pgLocal, TCP.redisLocal, TCP.appPublic),
      },
      status: 'fail',
      says: /port 8001 listens on every interface and no firewall rule keeps it private/,
      fix: /bind the app to 127.0.0.1:8001[\s\S]*ufw default deny incoming/,
    },
    {
      when: 'Redis listens on every interface and ufw is off',
      facts: {
        service: djangoBehindNginx,
        ...fw({ ufw: UFW_INACTIVE }),
        listeners: listening(TCP.nginx80, TCP.redisPublic, TCP.appLocal),
      },
      status: 'fail',
      says: /port 6379 listens on every interface/,
      fix: /bind 127.0.0.1 -::1 in \/etc\/redis\/redis.conf/,
    },
    {
      when: "iptables' INPUT policy is DROP and only 22 is accepted",
      facts: {
        service: djangoBehindNginx,
        ...fw({
          iptables:
            '-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n',
        }),
        listeners: HEALTHY,
      },
      status: 'fail',
      says: /drops 80/,
    },
  ],
  skipped: [
    {
      when: 'medic cannot read /proc/net',
      facts: { service: djangoBehindNginx, ...fw({ ufw: UFW_NGINX_FULL }), listeners: null },
    },
  ],
});

// ---- nginx.config_valid --------------------------------------------------------------------------------

const NGINX_T_OK = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
nginx: configuration file /etc/nginx/nginx.conf test is successful`;

ruleTester(configValid, {
  valid: [
    {
      when: 'nginx -t reports syntax ok',
      facts: { test: { ok: true, output: NGINX_T_OK } },
      says: /test is successful/,
    },
    {
      when: 'nginx -t passes with a warning (a server_name twice)',
      facts: {
        test: {
          ok: true,
          output: `nginx: [warn] conflicting server name "django.medic.test" on 0.0.0.0:80, ignored\n${NGINX_T_OK}`,
        },
      },
    },
  ],
  invalid: [
    {
      when: 'a site has an unknown directive (a template typo)',
      facts: {
        test: {
          ok: false,
          output: fixture('public/nginx_config_invalid/nginx-emerg-unknown-directive-template-typo.log')
            .split('\n')
            .slice(-3)
            .join('\n'),
        },
      },
      status: 'fail',
      says: /^\[emerg\] unknown directive "32}\\.txt\$"" in \/etc\/nginx\/sites-enabled\/destek.username2.com.conf:45$/,
      fix: /nginx -t {4}# fix the file and line it names[\s\S]*systemctl reload nginx/,
    },
    {
      // https://github.com/LukeSmithxyz/landchad/issues/121
      when: 'ssl_certificate names a file that does not exist',
      facts: {
        test: {
          ok: false,
          output: `nginx: [emerg] BIO_new_file("/etc/letsencrypt/live/example.org/cert.pem") failed (SSL: error:02001002:system library:fopen:No such file or directory:fopen('/etc/letsencrypt/live/example.org/cert.pem','r') error:2006D080:BIO routines:BIO_new_file:no such file)
nginx: configuration file /etc/nginx/nginx.conf test failed`,
        },
      },
      status: 'fail',
      says: /BIO_new_file\("\/etc\/letsencrypt\/live\/example.org\/cert.pem"\) failed/,
    },
    {
      when: 'nginx -t fails without an [emerg] line: the last lines are the evidence',
      facts: { test: { ok: false, output: 'nginx: configuration file /etc/nginx/nginx.conf test failed' } },
      status: 'fail',
      says: /^nginx -t fails$/,
    },
  ],
  skipped: [{ when: 'Nginx is not installed', facts: { test: null } }],
});

// ---- nginx.proxy_headers -------------------------------------------------------------------------------

// /etc/nginx/proxy_params as Debian's nginx-common installs it
const PROXY_PARAMS = `proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;`;
// The three headers moved from location / up to the server block
const HEADERS_AT_SERVER_LEVEL: [RegExp | string, string][] = [
  [/ {8}proxy_set_header[^\n]*\n/g, ''],
  [
    '    ssl_certificate ',
    '    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    ssl_certificate ',
  ],
];
const headersOf = (text: string, app: 'fastapi' | 'flaskapp' = 'fastapi') => {
  const { nginx, site } = siteOf(app, text, { '/etc/nginx/proxy_params': PROXY_PARAMS });
  return { service: { site, nginx } };
};

ruleTester(proxyHeaders, {
  valid: [
    {
      when: "the testbed's fastapi site sets Host, X-Forwarded-For and X-Forwarded-Proto beside proxy_pass",
      facts: headersOf(siteText('fastapi')),
      says: /Host, X-Forwarded-For, X-Forwarded-Proto passed/,
    },
    {
      when: "the location includes Debian's proxy_params (Gunicorn's deployment guide)",
      facts: headersOf(
        siteText(
          'fastapi',
          [/ {8}proxy_set_header[^\n]*\n/g, ''],
          ['proxy_pass http://fastapi_app;', 'include proxy_params;\n        proxy_pass http://fastapi_app;'],
        ),
      ),
    },
    {
      when: 'the headers are set once at server level and the location sets none',
      facts: headersOf(siteText('fastapi', ...HEADERS_AT_SERVER_LEVEL)),
    },
  ],
  invalid: [
    {
      when: 'X-Forwarded-Proto and X-Forwarded-For are deleted from the site (proxy_headers_missing)',
      facts: headersOf(siteText('fastapi', [/ {8}proxy_set_header X-Forwarded-(?:Proto|For)[^\n]*\n/g, ''])),
      status: 'fail',
      says: /x-forwarded-for, x-forwarded-proto not passed to the app/,
      fix: /proxy_set_header X-Forwarded-Proto \$scheme;[\s\S]*nginx -t && systemctl reload nginx/,
    },
    {
      when: "a location's own proxy_set_header (Upgrade for websockets) drops the server-level ones",
      facts: headersOf(
        siteText('fastapi', ...HEADERS_AT_SERVER_LEVEL, [
          'proxy_pass http://fastapi_app;',
          'proxy_pass http://fastapi_app;\n        proxy_set_header Upgrade $http_upgrade;',
        ]),
      ),
      status: 'fail',
      says: /host, x-forwarded-for, x-forwarded-proto not passed/,
    },
    {
      when: 'only X-Forwarded-For is missing: client addresses are lost, nothing breaks',
      facts: headersOf(siteText('fastapi', [/ {8}proxy_set_header X-Forwarded-For[^\n]*\n/, ''])),
      status: 'warn',
      says: /^x-forwarded-for not passed to the app$/,
      fix: /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/,
    },
  ],
  skipped: [
    { when: 'no Nginx site is in front of the app', facts: { service: { site: null, nginx: null } } },
    {
      when: 'the site serves files only, with no proxy_pass',
      facts: headersOf(siteText('flaskapp', [/ {4}location \/ \{[\s\S]*?\n {4}\}\n/, '']), 'flaskapp'),
    },
  ],
});

// ---- nginx.socket_permission ---------------------------------------------------------------------------

const flask = siteOf('flaskapp');
const SOCK = '/run/flaskapp/gunicorn.sock';
const socketService = (group = 'www-data', path = SOCK) => ({
  binds: [bind(`unix:${path}`)],
  nginx: flask.nginx,
  group,
});
// stat of the socket Gunicorn created: srwxrwxrwx www-data (umask 0), or srwxrwx--- flaskapp (--umask 007)
const sock = (mode: number, uid: number) => ({ kind: 'other' as const, mode, uid, gid: uid });

ruleTester(socketPermission, {
  valid: [
    {
      when: "the socket is www-data's, mode 777",
      facts: {
        service: socketService(),
        isRoot: true,
        sockets: { [SOCK]: { stat: sock(0o777, 33), nginxCanConnect: true } },
      },
      says: /www-data may connect to \/run\/flaskapp\/gunicorn.sock/,
    },
  ],
  invalid: [
    {
      when: 'the app runs as its own user with --umask 007 and www-data is not in its group (socket_permission)',
      facts: {
        service: socketService('flaskapp'),
        isRoot: true,
        sockets: { [SOCK]: { stat: sock(0o770, 998), nginxCanConnect: false } },
      },
      status: 'fail',
      says: /www-data cannot connect to \/run\/flaskapp\/gunicorn.sock/,
      fix: /usermod -aG flaskapp www-data && systemctl restart nginx/,
    },
    {
      when: 'the socket does not exist',
      facts: {
        service: socketService(),
        isRoot: true,
        sockets: { [SOCK]: { stat: null, nginxCanConnect: null } },
      },
      status: 'fail',
      says: /\/run\/flaskapp\/gunicorn.sock does not exist/,
    },
  ],
  skipped: [
    {
      when: 'the app binds a TCP port',
      facts: { service: { ...socketService(), binds: [bind('127.0.0.1:8000')] }, isRoot: true, sockets: {} },
    },
    {
      when: 'medic is not root and cannot test as www-data',
      facts: { service: socketService(), isRoot: false, sockets: {} },
      says: /run medic as root to test as www-data/,
    },
  ],
});

// ---- nginx.static_alias_exists -------------------------------------------------------------------------

const staticService = (app: 'flaskapp' | 'djangoapp', text = siteText(app)) => {
  const { nginx, site } = siteOf(app, text);
  return {
    site,
    nginx,
    workdir: `/srv/${app}`,
    python: `/srv/${app}/.venv/bin/python`,
    project:
      app === 'djangoapp'
        ? {
            root: '/srv/djangoapp',
            framework: 'django' as const,
            requirementFiles: [],
            requirements: [],
            envReads: [],
            writable: [],
          }
        : null,
  };
};
const dirs = (entries: Record<string, string[] | null>, nginxCanRead: boolean | null = true) =>
  Object.fromEntries(
    Object.entries(entries).map(([d, e]) => [d, { entries: e, nginxCanRead: e ? nginxCanRead : null }]),
  );

ruleTester(staticAlias, {
  valid: [
    {
      when: "flaskapp's /static/ alias holds app.css",
      facts: { service: staticService('flaskapp'), dirs: dirs({ '/srv/flaskapp/static/': ['app.css'] }) },
      says: /^\/static\/ → \/srv\/flaskapp\/static\/ \(1 entry\)$/,
    },
    {
      when: 'a /media/ directory is still empty (no upload yet): an empty directory is no error',
      facts: {
        service: staticService(
          'djangoapp',
          siteText('djangoapp', [
            '    location / {',
            '    location /media/ {\n        alias /srv/djangoapp/media/;\n    }\n\n    location / {',
          ]),
        ),
        dirs: dirs({ '/srv/djangoapp/staticfiles/': ['admin', 'site.css'], '/srv/djangoapp/media/': [] }),
      },
      says: /\/media\/ → \/srv\/djangoapp\/media\/ \(0 entries\)/,
    },
  ],
  invalid: [
    {
      when: 'the alias points at a directory that does not exist (static_alias_missing)',
      facts: {
        service: staticService(
          'flaskapp',
          siteText('flaskapp', ['alias /srv/flaskapp/static/;', 'alias /srv/flaskapp/public/;']),
        ),
        dirs: dirs({ '/srv/flaskapp/public/': null }),
      },
      status: 'fail',
      says: /location \/static\/ → \/srv\/flaskapp\/public\/ does not exist/,
      fix: /ls -d \/srv\/flaskapp\/\*\/[\s\S]*nginx -t && systemctl reload nginx/,
    },
    {
      when: "Django's STATIC_ROOT was removed (static_root_empty)",
      facts: { service: staticService('djangoapp'), dirs: dirs({ '/srv/djangoapp/staticfiles/': null }) },
      status: 'fail',
      says: /\/srv\/djangoapp\/staticfiles\/ does not exist/,
      fix: /cd \/srv\/djangoapp && \/srv\/djangoapp\/.venv\/bin\/python manage.py collectstatic --noinput/,
    },
    {
      when: 'www-data cannot read the directory',
      facts: {
        service: staticService('flaskapp'),
        dirs: dirs({ '/srv/flaskapp/static/': ['app.css'] }, false),
      },
      status: 'fail',
      says: /www-data cannot read \/srv\/flaskapp\/static\//,
      fix: /chmod -R o\+rX \/srv\/flaskapp\/static\//,
    },
  ],
  skipped: [
    {
      when: 'no Nginx site is in front of the app',
      facts: { service: { ...staticService('flaskapp'), site: null }, dirs: {} },
    },
    {
      when: 'the site serves no static directory (fastapi proxies everything)',
      facts: { service: { ...staticService('flaskapp'), ...siteOf('fastapi') }, dirs: {} },
    },
  ],
});

// ---- nginx.upstream_matches_bind -----------------------------------------------------------------------

const fastapi = siteOf('fastapi');
const upstream = (site: typeof fastapi.site | null, ...binds: string[]) => ({
  service: { site, binds: binds.map(bind), unit: 'fastapi.service' },
});

ruleTester(upstreamMatches, {
  valid: [
    {
      when: 'upstream fastapi_app is 127.0.0.1:8000 and uvicorn binds 127.0.0.1:8000',
      facts: upstream(fastapi.site, '127.0.0.1:8000'),
      says: /\/etc\/nginx\/sites-enabled\/fastapi → 127.0.0.1:8000 = the app's bind/,
    },
    {
      when: "flaskapp's site and Gunicorn share the unix socket",
      facts: upstream(flask.site, `unix:${SOCK}`),
    },
    {
      when: 'proxy_pass names localhost: Nginx tries 127.0.0.1, where the app listens',
      facts: upstream(
        siteOf('djangoapp', siteText('djangoapp', ['http://127.0.0.1:8001', 'http://localhost:8001'])).site,
        '127.0.0.1:8001',
      ),
    },
  ],
  invalid: [
    {
      when: 'uvicorn moved to --port 8010 and Nginx still sends to 8000 (bind_port_mismatch)',
      facts: upstream(fastapi.site, '127.0.0.1:8010'),
      status: 'fail',
      says: /Nginx sends location \/ to 127.0.0.1:8000; the app binds 127.0.0.1:8010/,
      fix: /proxy_pass http:\/\/127.0.0.1:8010;[\s\S]*nginx -t && systemctl reload nginx/,
    },
    {
      when: 'the app binds [::1]:8000, which 127.0.0.1 does not reach',
      facts: upstream(fastapi.site, '[::1]:8000'),
      status: 'fail',
      says: /the app binds \[::1\]:8000/,
    },
    {
      when: 'Gunicorn binds another socket path than the one Nginx connects to',
      facts: upstream(flask.site, 'unix:/run/gunicorn.sock'),
      status: 'fail',
      says: /to unix:\/run\/flaskapp\/gunicorn.sock; the app binds unix:\/run\/gunicorn.sock/,
      fix: /proxy_pass http:\/\/unix:\/run\/gunicorn.sock;/,
    },
  ],
  skipped: [
    { when: 'no Nginx site is in front of the app', facts: upstream(null, '127.0.0.1:8000') },
    { when: 'no bind was found for the app', facts: upstream(fastapi.site) },
    {
      when: 'the site proxies nowhere',
      facts: upstream(
        siteOf('flaskapp', siteText('flaskapp', [/ {4}location \/ \{[\s\S]*?\n {4}\}\n/, ''])).site,
        `unix:${SOCK}`,
      ),
    },
  ],
});
