import { type Cause, fromSignal, lineSignal } from './types.ts';

export const nginxConfigInvalid: Cause = {
  meta: {
    id: 'nginx_config_invalid',
    title: "Nginx's configuration does not pass nginx -t",
    layer: 'proxy',
    docs:
      'A site file has a syntax error, an unknown directive, or points at a file that does not exist; ' +
      'Nginx refuses to reload (the old config keeps serving) or to start at all (nothing serves).',
    worthMatching: /emerg|test failed/,
  },
  matchLine(event) {
    const m =
      /\[emerg\] (.*?)(?: in (\/\S+):(\d+))?$/.exec(event.text) ??
      (event.tag === 'emerg' ? /^(.*?)(?: in (\/\S+):(\d+))?$/.exec(event.text) : null);
    if (
      m &&
      !/host not found in upstream|bind\(\) to .* failed \(98|cannot load certificate|SSL_CTX_use/.test(
        m[1] ?? '',
      )
    ) {
      return { message: m[1] ?? '', file: m[2] ?? '', line: m[3] ?? '' };
    }
    if (/configuration file \S+ test failed/.test(event.text)) return { message: 'nginx -t failed' };
    return null;
  },
  decide(evidence) {
    const f = fromSignal('nginx_config_invalid', evidence);
    if (f) return f;
    const t = evidence.probes?.nginxTest;
    if (t && !t.ok) {
      const line = t.output.split('\n').find((l) => /\[emerg\]/.test(l)) ?? t.output.split('\n')[0] ?? '';
      const m = / in (\/\S+):(\d+)/.exec(line);
      const event = {
        time: null,
        source: 'nginx -t',
        unit: 'nginx',
        pid: null,
        level: 'critical' as const,
        text: line.trim(),
        line: 0,
      };
      return {
        confidence: 'high',
        signal: lineSignal('nginx_config_invalid', event, 'nginx -t'),
        evidence: [`nginx -t: ${line.trim()}`],
        captures: { message: line, file: m?.[1] ?? '', line: m?.[2] ?? '' },
      };
    }
    return null;
  },
  fix(c) {
    return [
      'nginx -t',
      c.file
        ? `sed -n '${Math.max(1, Number(c.line) - 3)},${Number(c.line) + 3}p' ${c.file}   # fix line ${c.line}`
        : '# fix the line nginx -t names',
      'nginx -t && systemctl reload nginx',
    ];
  },
};
