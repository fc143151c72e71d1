import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { classifyConnectError } from './net.ts';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';
import { isTlsErrorCode } from './tls.ts';

/** Bytes of the body kept by default: enough for a health answer or an error page's title. */
export const DEFAULT_MAX_BODY = 4 * 1024;

export type HttpGetOptions = {
  timeoutMs: number;
  /** Send the request to this address while keeping the URL's Host header and SNI (curl --resolve). */
  connectTo?: { host: string; port: number };
  /** Send the request over this unix socket (a Gunicorn or Uvicorn bind), Host from the URL. */
  socketPath?: string;
  /** A PEM file of CAs to trust instead of the system's (a private CA, a self-signed site). */
  caFile?: string;
  /** Verify the certificate and its name (default true); false still reads an invalid site. */
  rejectUnauthorized?: boolean;
  maxBody?: number;
  headers?: Record<string, string>;
};

export type HttpResponse = {
  status: number;
  /** Milliseconds until the status line arrived. */
  ms: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The first `maxBody` bytes of the body, as UTF-8. */
  body: string;
  bodyTruncated: boolean;
};

/**
 * `tls`: the certificate failed verification or the handshake failed (the message names the
 * code, e.g. CERT_HAS_EXPIRED); `protocol`: the server answered something that is not HTTP;
 * `reset`: the connection was closed before a response; `not_found`: the unix socket is missing;
 * `busy`: the unix socket's backlog is full.
 */
export type HttpFailure =
  | 'invalid_url'
  | 'refused'
  | 'not_found'
  | 'busy'
  | 'permission'
  | 'timeout'
  | 'unreachable'
  | 'dns'
  | 'tls'
  | 'protocol'
  | 'reset'
  | 'ca_file'
  | 'other';

/** One GET, no redirects followed (a 301 is an answer to report), no connection reuse. */
export function httpGet(
  url: string,
  options: HttpGetOptions,
): Promise<ProbeResult<HttpResponse, HttpFailure>> {
  return exchange(url, 'GET', undefined, options);
}

/** One POST of `body` (its content-type in `options.headers`), on the same terms as `httpGet`. */
export function httpPost(
  url: string,
  body: string,
  options: HttpGetOptions,
): Promise<ProbeResult<HttpResponse, HttpFailure>> {
  return exchange(url, 'POST', Buffer.from(body), options);
}

/** POSTs `body` as JSON (an alert to a webhook): no answer, or one outside 2xx, rejects with one line. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const r = await httpPost(url, JSON.stringify(body), {
    timeoutMs,
    headers: { 'content-type': 'application/json', ...headers },
  });
  if (!r.ok) throw new Error(r.error.message);
  const { status, body: answer } = r.value;
  if (status >= 200 && status < 300) return;
  const text = answer.slice(0, 120).replace(/\s+/g, ' ').trim();
  throw new Error(`HTTP ${status}${text ? `: ${text}` : ''}`);
}

function exchange(
  url: string,
  method: 'GET' | 'POST',
  body: Buffer | undefined,
  options: HttpGetOptions,
): Promise<ProbeResult<HttpResponse, HttpFailure>> {
  return probe(
    options.timeoutMs,
    async (signal) => {
      const target = parseHttpUrl(url);
      let ca: Buffer | undefined;
      if (options.caFile) {
        try {
          ca = await readFile(options.caFile);
        } catch (err) {
          throw new CaFileUnreadable(`cannot read CA file ${options.caFile}: ${messageOf(err)}`);
        }
      }
      const request = requestOptions(target, method, body, options, ca, signal);
      return send(target, request, body, options.maxBody ?? DEFAULT_MAX_BODY);
    },
    (err) => classifyHttpError(err, describeTarget(url, options)),
    describeTarget(url, options),
  );
}

function parseHttpUrl(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InvalidUrl(`not a URL: ${url}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new InvalidUrl(`not an http(s) URL: ${url}`);
  }
  return target;
}

function requestOptions(
  target: URL,
  method: 'GET' | 'POST',
  body: Buffer | undefined,
  options: HttpGetOptions,
  ca: Buffer | undefined,
  signal: AbortSignal,
): RequestOptions & { servername?: string; ca?: Buffer; rejectUnauthorized?: boolean } {
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const https = target.protocol === 'https:';
  const length = body ? { 'content-length': String(body.length) } : {};
  const base = {
    method,
    path: `${target.pathname}${target.search}`,
    headers: { host: target.host, 'user-agent': 'medic', accept: '*/*', ...length, ...options.headers },
    agent: false,
    signal,
  } as const;
  const tls = https
    ? {
        servername: isIP(hostname) ? undefined : hostname,
        ca,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      }
    : {};
  if (options.socketPath) return { ...base, ...tls, socketPath: options.socketPath };
  return {
    ...base,
    ...tls,
    host: options.connectTo?.host ?? hostname,
    port: options.connectTo?.port ?? (target.port ? Number(target.port) : https ? 443 : 80),
  };
}

function send(
  target: URL,
  options: RequestOptions,
  body: Buffer | undefined,
  maxBody: number,
): Promise<HttpResponse> {
  const start = performance.now();
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = request(options, (res: IncomingMessage) => {
      const ms = Math.round(performance.now() - start);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve({
          status: res.statusCode ?? 0,
          ms,
          headers: flatHeaders(res.headers),
          body: Buffer.concat(chunks, size).toString('utf8'),
          bodyTruncated: truncated,
        });
      };
      res.on('data', (chunk: Buffer) => {
        const room = maxBody - size;
        if (chunk.length > room) {
          // The rest of the body is of no use to a diagnosis: stop reading it.
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          finish();
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      // A connection cut mid-body still gave us the status: report what arrived.
      res.on('error', finish);
      res.on('close', finish);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describeTarget(url: string, options: HttpGetOptions): string {
  if (options.socketPath) return `${url} via ${options.socketPath}`;
  if (options.connectTo) return `${url} via ${options.connectTo.host}:${options.connectTo.port}`;
  return url;
}

class InvalidUrl extends Error {
  override name = 'InvalidUrl';
}

class CaFileUnreadable extends Error {
  override name = 'CaFileUnreadable';
}

export function classifyHttpError(err: unknown, target: string): ProbeError<HttpFailure> {
  if (err instanceof InvalidUrl) return { kind: 'invalid_url', message: err.message };
  if (err instanceof CaFileUnreadable) return { kind: 'ca_file', message: err.message };
  const code = codeOf(err);
  if (isTlsErrorCode(code)) return { kind: 'tls', message: `${target}: TLS: ${code}: ${messageOf(err)}` };
  if (code?.startsWith('HPE_')) {
    return { kind: 'protocol', message: `${target}: the answer is not HTTP (${messageOf(err)})` };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return { kind: 'reset', message: `${target}: connection closed before a response (${messageOf(err)})` };
  }
  return classifyConnectError(err, target);
}
