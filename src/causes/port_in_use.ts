import { type Cause, fromSignal, unitName } from './types.ts';

const IN_USE = [
  // gunicorn: "Connection in use: ('127.0.0.1', 8000)"
  /Connection in use: \('([^']*)', (\d+)\)/,
  // uvicorn: "[Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): address already in use"
  /bind on address \('([^']*)', (\d+)\)[^\n]*(?:address already in use|only one usage of each socket address)/i,
  // nginx: "bind() to 0.0.0.0:80 failed (98: Address already in use)"
  /bind\(\) to (\S+?):(\d+) failed \(98: Address already in use\)/,
  /\[Errno 98\] Address already in use/,
  /OSError: \[Errno 98\]/,
];

export const portInUse: Cause = {
  meta: {
    id: 'port_in_use',
    title: 'Another process already listens on the port the app binds',
    layer: 'upstream',
    docs:
      'The server cannot bind its port because something else holds it: an old instance that did not ' +
      'stop, a second unit or container with the same port, or a manual run left in a shell.',
    worthMatching: /in use|Errno 98|only one usage of each socket address/,
  },
  matchLine(event) {
    for (const re of IN_USE) {
      const m = re.exec(event.text);
      if (m) return m[2] ? { host: m[1] ?? '', port: m[2] } : {};
    }
    return null;
  },
  matchError(error) {
    for (const e of error.chain) {
      for (const re of IN_USE) {
        const m = re.exec(e.message) ?? re.exec(`${e.type}: ${e.message}`);
        if (m) return m[2] ? { host: m[1] ?? '', port: m[2] } : {};
      }
    }
    return null;
  },
  decide: (evidence) => fromSignal('port_in_use', evidence),
  fix(c, t) {
    const port = c.port ?? 'PORT';
    return [
      `ss -ltnp 'sport = :${port}'   # who holds it`,
      `# stop that process (or move one of the two to another port), then:`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
