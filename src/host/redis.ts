import { ConnectionTimeoutError, createClient, SocketTimeoutError } from 'redis';
import { codeOf, messageOf, probe, redactPassword, type ProbeError, type ProbeResult } from './probe.ts';

/**
 * Why Redis could not be used. `loading`: it is reading its dataset after a restart; `oom`: it is
 * at maxmemory and refuses writes; `misconf`: it cannot save its snapshot (often a full disk) and
 * refuses writes.
 */
export type RedisFailure =
  'refused' | 'timeout' | 'auth_failed' | 'not_found_host' | 'loading' | 'oom' | 'misconf' | 'other';

export type RedisInfo = {
  /** Bytes in use (INFO memory used_memory), when INFO is allowed. */
  usedMemory?: number;
  /** The configured limit; 0 means none. */
  maxmemory?: number;
  maxmemoryPolicy?: string;
};

/** Connects with the app's Redis URL, sends PING, and reads the memory figures of INFO. */
export function probeRedis(url: string, timeoutMs: number): Promise<ProbeResult<RedisInfo, RedisFailure>> {
  return probe(
    timeoutMs,
    async (signal) => {
      const client = createClient({
        url,
        // A server that is down must fail this probe now, not be retried in the background.
        socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
        disableOfflineQueue: true,
      });
      client.on('error', () => {}); // the failure is reported by the awaited call
      const close = () => {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      };
      signal.addEventListener('abort', close, { once: true });
      try {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${String(pong)}`);
        // INFO may be renamed or forbidden by ACL; the probe answered PING, so it still passes.
        const info = await client.info('memory').catch(() => '');
        return parseRedisMemoryInfo(info);
      } finally {
        signal.removeEventListener('abort', close);
        close();
      }
    },
    (err) => classifyRedisError(err, url),
    redactPassword(url, url),
  );
}

/** The memory figures of an `INFO memory` answer. */
export function parseRedisMemoryInfo(info: string): RedisInfo {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const number = (name: string) => {
    const value = fields.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const out: RedisInfo = {};
  const usedMemory = number('used_memory');
  const maxmemory = number('maxmemory');
  const maxmemoryPolicy = fields.get('maxmemory_policy');
  if (usedMemory !== undefined) out.usedMemory = usedMemory;
  if (maxmemory !== undefined) out.maxmemory = maxmemory;
  if (maxmemoryPolicy !== undefined) out.maxmemoryPolicy = maxmemoryPolicy;
  return out;
}

/**
 * Names an error of the redis client: socket errors by code, server replies by their leading
 * word (`WRONGPASS`, `NOAUTH`, `LOADING`, `OOM`, `MISCONF`). With a URL, its password is removed.
 */
export function classifyRedisError(err: unknown, url?: string): ProbeError<RedisFailure> {
  const raw = messageOf(err);
  const message = url ? redactPassword(raw, url) : raw;
  return { kind: redisFailureOf(codeOf(err), raw, err), message };
}

function redisFailureOf(code: string | undefined, message: string, err: unknown): RedisFailure {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT': // the unix socket is missing: nothing serves it
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'not_found_host';
    case 'ETIMEDOUT':
      return 'timeout';
  }
  if (err instanceof ConnectionTimeoutError || err instanceof SocketTimeoutError) return 'timeout';
  const word = /^[A-Z]+/.exec(message)?.[0];
  switch (word) {
    case 'WRONGPASS':
    case 'NOAUTH':
    case 'NOPERM':
      return 'auth_failed';
    case 'LOADING':
      return 'loading';
    case 'OOM':
      return 'oom';
    case 'MISCONF':
      return 'misconf';
  }
  if (/invalid password|AUTH .*without any password configured/i.test(message)) return 'auth_failed';
  return 'other';
}
