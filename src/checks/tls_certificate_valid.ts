import {
  type CertificateFile,
  certificateFile,
  type CertificateFileFailure,
  type PeerCertificate,
  type TlsFailure,
} from '../host/tls.ts';
import type { ProbeResult } from '../host/probe.ts';
import { plainServerNames, siteEntry } from '../discover/service.ts';
import type { NginxSite } from '../nginx/sites.ts';
import { defineCheck, fail, pass, skip, warn } from './types.ts';

/** Fewer days left than this: the renewal that should have run by now has not. */
export const TLS_WARN_DAYS = 14;

export interface TlsFacts {
  site: NginxSite | null;
  /** The certificate Nginx on this host presents for each server_name (SNI). */
  answers: { name: string; result: ProbeResult<PeerCertificate, TlsFailure> }[];
  /** The site's ssl_certificate file, read from disk. */
  file: ProbeResult<CertificateFile, CertificateFileFailure> | null;
}

/** Does a certificate name (with "*." wildcards, one label deep) cover this host name? */
export function nameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p.startsWith('*.')) {
    const rest = h.slice(h.indexOf('.') + 1);
    return h.includes('.') && rest === p.slice(2);
  }
  return p === h;
}

export const check = defineCheck<TlsFacts>({
  meta: {
    id: 'tls.certificate_valid',
    layer: 'tls',
    title: 'the certificate Nginx serves is valid for 14 days or more, trusted, and names every server_name',
    docs: 'Connects to Nginx on this host with each server_name as SNI and reads the certificate visitors get (and the ssl_certificate file): expired or untrusted fails, under 14 days left warns (renewal is not working), a server_name missing from the certificate fails.',
  },
  async gather(ctx) {
    const site = ctx.service.site;
    const facts: TlsFacts = { site, answers: [], file: null };
    if (!site || siteEntry(site).scheme !== 'https') return facts;
    for (const name of plainServerNames(site))
      facts.answers.push({ name, result: await ctx.certificate(name, siteEntry(site).port) });
    if (site.certificate) facts.file = await certificateFile(site.certificate);
    return facts;
  },
  judge({ site, answers, file: f }) {
    if (!site) return skip('no Nginx site in front of the app');
    if (siteEntry(site).scheme !== 'https') return skip(`${site.file} has no TLS listener`);
    const names = plainServerNames(site);
    if (names.length === 0) return skip('the site has no plain server_name');
    const problems: string[] = [];
    const evidence: string[] = [];
    let soonest = Infinity;
    for (const { name, result: r } of answers) {
      if (!r.ok) {
        problems.push(`${name}: ${r.error.kind} (${r.error.message})`);
        continue;
      }
      const c = r.value;
      soonest = Math.min(soonest, c.daysLeft);
      evidence.push(
        `${name}: ${c.subjectCN ?? c.altNames[0] ?? '?'}, issuer ${c.issuer}, valid to ${c.validTo} (${c.daysLeft} days)`,
      );
      if (c.daysLeft < 0) problems.push(`${name}: expired on ${c.validTo}`);
      else if (
        !c.altNames.some((a) => nameCovers(a, name)) &&
        !(c.subjectCN && nameCovers(c.subjectCN, name))
      )
        problems.push(`${name}: the certificate names ${c.altNames.join(', ') || c.subjectCN}`);
      else if (!c.authorized) problems.push(`${name}: not trusted (${c.authorizationError ?? 'unknown'})`);
    }
    if (site.certificate && f) {
      if (f.ok) evidence.push(`${site.certificate}: valid to ${f.value.validTo}`);
      else evidence.push(`${site.certificate}: ${f.error.kind}`);
    }
    const fix = [
      'certbot renew    # or your ACME client; then',
      'nginx -t && systemctl reload nginx',
      `openssl x509 -noout -dates -ext subjectAltName -in ${site.certificate ?? 'CERT'}`,
    ];
    if (problems.length > 0) return fail(problems.join('; '), evidence, fix);
    if (soonest < TLS_WARN_DAYS)
      return warn(`the certificate expires in ${soonest} days: is renewal running?`, evidence, [
        'systemctl list-timers | grep -i -e certbot -e acme',
        ...fix,
      ]);
    return pass(`valid for ${soonest} more days for ${names.join(', ')}`, evidence);
  },
});
