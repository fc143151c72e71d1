// A small HTTP server on one address, for medic watch's /metrics.
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
