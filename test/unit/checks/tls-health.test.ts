// TLS and health checks at their edges: a Let's Encrypt certificate 13 and 14 days from its end, and health
// answers around SLOW_HEALTH_MS, as the testbed's Nginx in front of flaskapp gives them.
import { check as certificateValid, TLS_WARN_DAYS } from '../../../src/checks/tls_certificate_valid.ts';
import { SLOW_HEALTH_MS } from '../../../src/checks/context.ts';
import { check as healthOk } from '../../../src/checks/health_endpoint_ok.ts';
import {
  check as healthLightweight,
  TOO_SLOW_HEALTH_MS,
} from '../../../src/checks/health_endpoint_lightweight.ts';
import type { PeerCertificate } from '../../../src/host/tls.ts';
import { parseNginxText } from '../../../src/nginx/config.ts';
import { sitesOf } from '../../../src/nginx/sites.ts';
import { failed, ok, ruleTester } from './tester.ts';

// The testbed's site for flaskapp, TLS on 443
const directives = parseNginxText(
  `server {
    listen 443 ssl;
    server_name flaskapp.test;
    ssl_certificate /etc/ssl/medic/flaskapp.test.crt;
    ssl_certificate_key /etc/ssl/medic/flaskapp.test.key;
    location / { proxy_pass http://unix:/run/flaskapp/gunicorn.sock; }
}`,
  '/etc/nginx/sites-enabled/flaskapp',
);
if (!Array.isArray(directives)) throw new Error('the site does not parse');
const [site] = sitesOf(directives);
const plainSite = sitesOf(
  parseNginxText('server { listen 80; server_name flaskapp.test; }', 'x') as never,
)[0];

const certificate = (daysLeft: number, over: Partial<PeerCertificate> = {}) => ({
  name: 'flaskapp.test',
  result: ok<PeerCertificate>({
    subjectCN: 'flaskapp.test',
    altNames: ['flaskapp.test'],
    issuer: "C=US, O=Let's Encrypt, CN=R11",
    selfSigned: false,
    validFrom: 'Sep  1 08:14:03 2026 GMT',
    validTo: 'Nov 30 08:14:02 2026 GMT',
    daysLeft,
    fingerprint256: 'AB:CD',
    authorized: true,
    nameMatches: true,
    protocol: 'TLSv1.3',
    ...over,
  }),
});
const tls = (...answers: ReturnType<typeof certificate>[]) => ({ site: site ?? null, answers, file: null });

ruleTester(certificateValid, {
  valid: [
    { when: 'the certificate has 60 days left', facts: tls(certificate(60)), says: /valid for 60 more days/ },
    {
      when: 'the certificate has 14 days left: renewal still has time',
      facts: tls(certificate(TLS_WARN_DAYS)),
    },
    {
      when: 'a wildcard certificate covers the name',
      facts: tls(certificate(60, { subjectCN: '*.test', altNames: ['*.test'] })),
    },
  ],
  invalid: [
    {
      when: 'the certificate has 13 days left: renewal is not running',
      facts: tls(certificate(TLS_WARN_DAYS - 1)),
      status: 'warn',
      says: /expires in 13 days: is renewal running\?/,
      fix: /certbot/,
    },
    {
      when: 'the certificate expired yesterday',
      facts: tls(certificate(-1, { authorized: false, authorizationError: 'CERT_HAS_EXPIRED' })),
      status: 'fail',
      says: /flaskapp.test: expired on Nov 30/,
    },
    {
      when: 'the certificate is for another name',
      facts: tls(
        certificate(60, { subjectCN: 'www.other.test', altNames: ['www.other.test'], nameMatches: false }),
      ),
      status: 'fail',
      says: /the certificate names www.other.test/,
    },
    {
      when: 'the certificate is self-signed',
      facts: tls(
        certificate(300, {
          selfSigned: true,
          authorized: false,
          authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        }),
      ),
      status: 'fail',
      says: /not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    },
    {
      when: 'Nginx does not answer on 443',
      facts: tls({
        name: 'flaskapp.test',
        result: failed('refused', 'connect ECONNREFUSED 127.0.0.1:443') as never,
      }),
      status: 'fail',
      says: /flaskapp.test: refused/,
    },
  ],
  skipped: [
    { when: 'no Nginx site is in front of the app', facts: { site: null, answers: [], file: null } },
    { when: 'the site serves plain HTTP only', facts: { site: plainSite ?? null, answers: [], file: null } },
  ],
});

const health = { url: 'http://flaskapp.test/health', status: 200 };
const service = { name: 'flaskapp', health };
const answer = (status: number, ms: number, body = 'ok', headers: Record<string, string> = {}) => ({
  service,
  answer: ok({ status, ms, headers, body, bodyTruncated: false }),
});

ruleTester(healthOk, {
  valid: [
    { when: 'the health URL answers 200 through Nginx', facts: answer(200, 4), says: /HTTP 200 in 4 ms/ },
  ],
  invalid: [
    {
      when: 'Nginx answers 502: the app is down behind it',
      facts: answer(502, 2, '<html>\r\n<head><title>502 Bad Gateway</title></head>'),
      status: 'fail',
      says: /HTTP 502, expected 200/,
      fix: /medic diagnose flaskapp/,
    },
    {
      when: 'nothing listens on 80',
      facts: { service, answer: failed('refused', 'connect ECONNREFUSED 127.0.0.1:80') },
      status: 'fail',
      says: /refused/,
    },
    {
      when: 'the body lacks the text medic.yaml expects',
      facts: {
        service: { name: 'flaskapp', health: { ...health, body: '"db": "ok"' } },
        answer: answer(200, 4, '{"db": "down"}').answer,
      },
      status: 'fail',
      says: /without ""db": "ok"" in the body/,
    },
  ],
  skipped: [
    { when: 'there is no health URL', facts: { service: { name: 'flaskapp', health: null }, answer: null } },
  ],
});

ruleTester(healthLightweight, {
  valid: [
    { when: 'a dedicated view answers in 4 ms', facts: answer(200, 4), says: /HTTP 200 in 4 ms, 2 bytes/ },
    { when: `it answers in ${SLOW_HEALTH_MS} ms, the limit`, facts: answer(200, SLOW_HEALTH_MS) },
  ],
  invalid: [
    {
      when: `it answers in ${SLOW_HEALTH_MS + 1} ms`,
      facts: answer(200, SLOW_HEALTH_MS + 1),
      status: 'warn',
      says: /takes 501 ms/,
    },
    {
      when: `it answers in ${TOO_SLOW_HEALTH_MS + 1} ms`,
      facts: answer(200, TOO_SLOW_HEALTH_MS + 1),
      status: 'fail',
      says: /takes 2001 ms/,
    },
    {
      when: 'it redirects to HTTPS',
      facts: answer(301, 2, '', { location: 'https://flaskapp.test/health' }),
      status: 'fail',
      says: /redirects \(HTTP 301 to https:\/\/flaskapp.test\/health\)/,
    },
    {
      when: 'it asks for a login',
      facts: answer(401, 2, '', { 'www-authenticate': 'Basic realm="Restricted"' }),
      status: 'fail',
      says: /asks for credentials \(HTTP 401, Basic realm/,
    },
    {
      when: 'it serves an HTML page',
      facts: answer(200, 12, '<!doctype html><html lang="en"><head><title>Notes</title>'),
      status: 'warn',
      says: /serves a page, not a health check/,
    },
  ],
  skipped: [
    {
      when: 'the health URL does not answer at all (health.endpoint_ok says why)',
      facts: { service, answer: failed('timeout', 'no answer within 3000 ms') },
    },
  ],
});
