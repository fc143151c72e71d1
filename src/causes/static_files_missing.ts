import { type Cause, fromSignal, unitName } from './types.ts';

// Files every browser asks for whether the site has them or not: their absence is noise.
const NOISE =
  /\/(?:favicon\.ico|robots\.txt|apple-touch-icon[\w-]*\.png|sitemap\.xml|\.well-known\/[^"]*|ads\.txt)"/;

export const staticFilesMissing: Cause = {
  meta: {
    id: 'static_files_missing',
    title: 'Nginx cannot find the static files it is told to serve',
    layer: 'proxy',
    docs:
      'Pages load without CSS or JavaScript: the alias/root of the static location points at a directory ' +
      'that does not hold the files (collectstatic not run for this release, STATIC_ROOT elsewhere, a ' +
      'typo in the alias).',
    degrades: true,
    worthMatching: /No such file or directory| 404\b|Missing staticfiles manifest/,
  },
  matchLine(event) {
    const m = /open\(\) "([^"]+)" failed \(2: No such file or directory\)/.exec(event.text);
    if (m && !NOISE.test(event.text)) return { path: m[1] ?? '' };
    const a = /"(?:GET|HEAD) ((?:\/[\w.-]+)*\/(?:static|assets|staticfiles)\/\S+) HTTP\/[\d.]+"? 404\b/.exec(
      event.text,
    );
    if (a) return { path: a[1] ?? '', request: 'yes' };
    const d = /Missing staticfiles manifest entry for '([^']+)'/.exec(event.text);
    if (d) return { path: d[1] ?? '', manifest: 'yes' };
    return null;
  },
  decide(evidence) {
    const f = fromSignal('static_files_missing', evidence, evidence.probes ? 'high' : 'medium');
    if (f) return f;
    const s = evidence.probes?.static;
    // 404 (or 403 for files Nginx may not read); a 401 is a login in front of the whole site, not missing files
    if (s && (s.status === 404 || s.status === 403)) {
      return {
        confidence: 'high',
        signal: null,
        evidence: [
          `${s.url} answers ${s.status}${s.path ? `; ${s.path} ${s.exists ? 'exists' : 'does not exist'}` : ''}`,
        ],
        captures: { path: s.path ?? '' },
      };
    }
    return null;
  },
  fix(c, t) {
    const dir = (c.path ?? '').replace(/\/[^/]*$/, '') || '/srv/APP/static';
    return [
      `nginx -T 2>/dev/null | grep -n -A3 'location /static'`,
      `ls -ld ${dir}`,
      `# point the alias at the directory that holds the files, or collect them: cd ${t.workdir ?? '/srv/APP'} && sudo -u ${t.user ?? 'www-data'} ${t.venv ?? 'venv'}/bin/python manage.py collectstatic --noinput`,
      `nginx -t && systemctl reload nginx   # ${unitName(t)} needs no restart`,
    ];
  },
};
