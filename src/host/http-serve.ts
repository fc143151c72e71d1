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

export interface FetchServer {
  /** The port it listens on (the one the system chose for port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on host:port and answers with a fetch-style handler (Hono's); rejects when it cannot listen.
 * A request the handler throws on gets a bare 500, never its stack.
 */
export async function serveFetch(
  host: string,
  port: number,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<FetchServer> {
  const { getRequestListener } = await import('@hono/node-server');
  const listener = getRequestListener((request) => handler(request), {
    errorHandler: () => new Response('internal error\n', { status: 500 }),
  });
  const server = createServer((req, res) => void listener(req, res));
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
