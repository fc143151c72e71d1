// A real webhook receiver and a real SMTP server for medic watch's alerts, in a process of its own (the
// tests block on the testbed's commands). Each message received is one JSON line in the file given.
//   node alert-sink.ts FILE HTTP_PORT SMTP_PORT
// SIGUSR1 closes the HTTP port (the receiver is down), SIGUSR2 opens it again.
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

const [file = '/tmp/alerts.jsonl', httpPort = '9911', smtpPort = '2525'] = process.argv.slice(2);
const record = (m: Record<string, unknown>) =>
  appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...m })}\n`);

let http: Server | null = null;
function listen(): void {
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      record({
        via: 'http',
        path: req.url,
        headers: req.headers,
        body: JSON.parse(body || 'null') as unknown,
      });
      res.writeHead(200).end('ok');
    });
  });
  http.listen(Number(httpPort), '127.0.0.1', () => record({ via: 'sink', up: true }));
}
listen();
process.on('SIGUSR1', () => {
  http?.closeAllConnections();
  http?.close(() => record({ via: 'sink', up: false }));
  http = null;
});
process.on('SIGUSR2', () => {
  if (!http) listen();
});

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, callback) {
    let raw = '';
    stream.on('data', (d: Buffer) => (raw += d.toString()));
    stream.on('end', () => {
      const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? null;
      record({
        via: 'smtp',
        to: session.envelope.rcptTo.map((r) => r.address),
        subject: header('Subject'),
        incident: header('X-Medic-Incident'),
        event: header('X-Medic-Event'),
        messageId: header('Message-ID'),
        body: raw.slice(head.length),
      });
      callback();
    });
  },
});
smtp.listen(Number(smtpPort), '127.0.0.1');
