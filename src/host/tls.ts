import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, getCACertificates, type TLSSocket } from 'node:tls';
import { classifyConnectError } from './net.ts';
import { codeOf, messageOf, probe, type ProbeError, type ProbeResult } from './probe.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const FILE_TIMEOUT_MS = 5000;

export type CertificateInfo = {
  /** The subject's common name, when it has one. */
  subjectCN?: string;
  /** The subjectAltName entries without their type: `site.test`, `*.site.test`, `127.0.0.1`. */
  altNames: string[];
  /** The issuer's distinguished name, `C=US, O=Let's Encrypt, CN=R11`. */
  issuer: string;
  selfSigned: boolean;
  validFrom: string;
  validTo: string;
  /** Whole days until `validTo`; negative once expired. */
  daysLeft: number;
  fingerprint256: string;
};

export type PeerCertificate = CertificateInfo & {
  /** The chain verified against the trusted CAs and the name matched `servername`. */
  authorized: boolean;
  /** Why not: `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`... */
  authorizationError?: string;
  /** The certificate names `servername`, whatever the chain's verdict. */
  nameMatches: boolean;
  /** `TLSv1.3`, `TLSv1.2`. */
  protocol?: string;
};

export type CertificateFile = CertificateInfo & { path: string; certificatesInFile: number };

/** `handshake`: something answered but no TLS session came of it (plain HTTP on 443, a bad config). */
export type TlsFailure =
  'refused' | 'timeout' | 'unreachable' | 'dns' | 'handshake' | 'no_certificate' | 'other';
export type CertificateFileFailure = 'not_found' | 'permission' | 'invalid' | 'timeout' | 'other';

/**
 * The certificate a TLS server presents for `servername`. The connection does not reject an
 * invalid certificate, so an expired or self-signed one is still read; `authorized` and
 * `authorizationError` then say what a browser would think of it. `ca` (PEM) replaces the system's
 * trusted CAs, for a site behind a private CA.
 */
export function peerCertificate(
  host: string,
  port: number,
  servername: string,
  timeoutMs: number,
  options: { ca?: string | Buffer } = {},
): Promise<ProbeResult<PeerCertificate, TlsFailure>> {
  return probe(
    timeoutMs,
    (signal) =>
      new Promise<PeerCertificate>((resolve, reject) => {
        const socket: TLSSocket = connect({
          host,
          port,
          // SNI carries names only; an IP is checked against the certificate all the same.
          servername: isIP(servername) ? undefined : servername,
          checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert),
          rejectUnauthorized: false,
          ca: options.ca,
        });
        signal.addEventListener('abort', () => socket.destroy(), { once: true });
        socket.on('error', (err) => {
          socket.destroy();
          reject(err);
        });
        socket.once('secureConnect', () => {
          const x509 = socket.getPeerX509Certificate();
          const protocol = socket.getProtocol() ?? undefined;
          const { authorized } = socket;
          const authorizationError = errorName(socket.authorizationError);
          socket.destroy();
          if (!x509) return reject(new NoCertificate());
          resolve({
            ...describeCertificate(x509),
            authorized,
            ...(authorized ? {} : { authorizationError }),
            nameMatches: namesHost(x509, servername),
            protocol,
          });
        });
      }),
    (err) => classifyTlsError(err, `${host}:${port}`),
    `${host}:${port}`,
  );
}

/** The first certificate of a PEM file (the leaf of a fullchain.pem), read on disk. */
export function certificateFile(
  path: string,
  now: Date = new Date(),
): Promise<ProbeResult<CertificateFile, CertificateFileFailure>> {
  return probe(
    FILE_TIMEOUT_MS,
    async () => {
      const pem = await readFile(path, 'utf8');
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      if (!blocks[0]) throw new InvalidCertificate(`${path} holds no PEM certificate`);
      let x509: X509Certificate;
      try {
        x509 = new X509Certificate(blocks[0]);
      } catch (err) {
        throw new InvalidCertificate(`${path}: ${messageOf(err)}`);
      }
      return { path, certificatesInFile: blocks.length, ...describeCertificate(x509, now) };
    },
    (err) => classifyFileError(err, path),
    path,
  );
}

/** The facts of a certificate medic reports on, relative to `now`. */
export function describeCertificate(x509: X509Certificate, now: Date = new Date()): CertificateInfo {
  const validTo = new Date(x509.validTo);
  const subjectCN = /^CN=(.*)$/m.exec(x509.subject)?.[1];
  return {
    ...(subjectCN === undefined ? {} : { subjectCN }),
    altNames: altNamesOf(x509.subjectAltName),
    issuer: x509.issuer.split('\n').join(', '),
    selfSigned: x509.checkIssued(x509),
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - now.getTime()) / DAY_MS),
    fingerprint256: x509.fingerprint256,
  };
}

/** `DNS:site.test, IP Address:127.0.0.1` → `['site.test', '127.0.0.1']`. */
export function altNamesOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/,\s*/)
    .map((entry) => entry.replace(/^[A-Za-z ]+:/, '').replace(/^"|"$/g, ''))
    .filter((name) => name.length > 0);
}

function namesHost(x509: X509Certificate, name: string): boolean {
  return isIP(name) ? x509.checkIP(name) !== undefined : x509.checkHost(name) !== undefined;
}

function errorName(err: unknown): string | undefined {
  if (err === undefined || err === null) return undefined;
  if (typeof err === 'string') return err;
  return codeOf(err) ?? messageOf(err);
}

class NoCertificate extends Error {
  override name = 'NoCertificate';
  constructor() {
    super('the server presented no certificate');
  }
}

class InvalidCertificate extends Error {
  override name = 'InvalidCertificate';
}

/**
 * Whether an error code is OpenSSL's or Node's TLS layer speaking: certificate verification
 * (`CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`...) or the handshake (`ERR_SSL_*`, EPROTO).
 */
export function isTlsErrorCode(code: string | undefined): boolean {
  return /CERT|^UNABLE_TO_|^INVALID_CA$|^INVALID_PURPOSE$|^PATH_LENGTH_EXCEEDED$|^HOSTNAME_MISMATCH$|^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(
    code ?? '',
  );
}

export function classifyTlsError(err: unknown, target: string): ProbeError<TlsFailure> {
  if (err instanceof NoCertificate) return { kind: 'no_certificate', message: `${target}: ${err.message}` };
  const code = codeOf(err);
  if (isTlsErrorCode(code) || code === 'ECONNRESET' || /SSL routines/i.test(messageOf(err))) {
    return { kind: 'handshake', message: `${target}: TLS handshake failed: ${messageOf(err)}` };
  }
  const { kind, message } = classifyConnectError(err, target);
  if (kind === 'not_found' || kind === 'permission' || kind === 'busy') return { kind: 'other', message };
  return { kind, message };
}

function classifyFileError(err: unknown, path: string): ProbeError<CertificateFileFailure> {
  if (err instanceof InvalidCertificate) return { kind: 'invalid', message: err.message };
  const code = codeOf(err);
  if (code === 'ENOENT') return { kind: 'not_found', message: `no such file: ${path}` };
  if (code === 'EACCES' || code === 'EPERM') return { kind: 'permission', message: `cannot read ${path}` };
  return { kind: 'other', message: `${path}: ${messageOf(err)}` };
}

/** The CAs Node trusts by default plus the system's store (a private CA installed with update-ca-certificates), as PEM. */
export function trustedCAs(): string | undefined {
  try {
    return [...getCACertificates('default'), ...getCACertificates('system')].join('\n');
  } catch {
    return undefined;
  }
}
