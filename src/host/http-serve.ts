// Small HTTP servers on one address: medic watch's /metrics, and the dashboard of medic serve and watch --http.
import { createServer } from 'node:http';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export interface HttpServer {
  close(): Promise<void>;
}

/** Listens on host:port and answers every GET with `answer(path)`; rejects when it cannot listen. */
export async function serveHttp(
  host: string,
  port: number,
  answer: (path: string) => Promise<Answer>,
): Promise<HttpServer> {
  const server = createServer((req, res) => {
    void answer(req.url ?? '/').then(
      (a) => res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface ListeningServer {
  /** The port it listens on (the one the system chose for port 0). */
  port: number;
  close(): Promise<void>;
}

/** A request as the dashboard reads it: no body (it answers GET and HEAD only); header names in lower case. */
export interface HttpRequest {
  method: string;
  /** The path and query, as sent. */
  url: string;
  headers: Record<string, string | undefined>;
}

/** An answer: a whole body, or a stream written until the client goes (server-sent events). */
export type HttpReply =
  | { status: number; headers: Record<string, string>; body: string | Buffer }
  | {
      status: number;
      headers: Record<string, string>;
      stream(write: (chunk: string) => void, closed: Promise<void>): Promise<void>;
    };

/**
 * Listens on host:port and answers each request with `handle`; rejects when it cannot listen. A request
 * HTTP cannot parse gets Node's 400; one `handle` throws on gets a bare 500, never a stack.
 */
export async function serveRequests(
  host: string,
  port: number,
  handle: (request: HttpRequest) => Promise<HttpReply>,
): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    void handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers }).then(
      (reply) => {
        res.writeHead(reply.status, reply.headers);
        if (req.method === 'HEAD') return void res.end();
        if ('body' in reply) return void res.end(reply.body);
        res.flushHeaders();
        const closed = new Promise<void>((resolve) => res.once('close', resolve));
        void reply
          .stream((chunk) => void res.write(chunk), closed)
          .catch(() => {})
          .finally(() => res.end());
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise((resolve) => {
        // open event streams never end on their own
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
