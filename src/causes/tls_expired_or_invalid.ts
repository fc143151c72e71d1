import { type Cause, fromSignal } from './types.ts';

const TLS = [
  /certificate has expired/i,
  /certificate verify failed: ([\w ]+)/,
  /CERTIFICATE_VERIFY_FAILED/,
  /SSL certificate problem: ([^\n]+)/,
  /SSL_CTX_use_PrivateKey(?:_file)?\([^)]*\) failed/,
  /key values mismatch/,
  /cannot load certificate(?: key)? "([^"]+)"/,
  // nginx's ngx_ssl_certificate(): the file named by ssl_certificate cannot be opened or read
  // (a paste through a rich-text editor turns the quotes curly)
  /BIO_new_file\(["“”]([^"“”]+)["“”]\) failed/,
  /PEM_read_bio_X509(?:_AUX)?\(["“”]([^"“”]+)["“”]\) failed/,
  /no "ssl_certificate" is defined/,
  /ERR_CERT_DATE_INVALID|NET::ERR_CERT_/,
];

export const tlsExpiredOrInvalid: Cause = {
  meta: {
    id: 'tls_expired_or_invalid',
    title: 'The TLS certificate is expired, does not match the name, or cannot be loaded',
    layer: 'tls',
    docs:
      'Browsers and clients refuse the connection: the certificate expired (renewal failed or the ' +
      'renewed one was never reloaded), it is for another name, or Nginx cannot load the certificate ' +
      'or key it is configured with.',
    worthMatching:
      /ertificate|CERTIFICATE|SSL_CTX_use_PrivateKey|key values mismatch|BIO_new_file|PEM_read_bio_X509/,
  },
  // The app's own HTTPS calls fail on the certificate: requests' SSLError, urllib3's, aiohttp's.
  matchError(error) {
    for (const e of error.chain) {
      const m =
        /CERTIFICATE_VERIFY_FAILED\] certificate verify failed: ([\w ]+)|certificate has expired/.exec(
          e.message,
        );
      if (m) return { reason: (m[1] ?? m[0]).trim() };
    }
    return null;
  },
  matchLine(event) {
    for (const re of TLS) {
      const m = re.exec(event.text);
      if (m) return { reason: (m[1] ?? m[0]).trim() };
    }
    return null;
  },
  decide(evidence) {
    const f = fromSignal('tls_expired_or_invalid', evidence);
    if (f) return f;
    const tls = evidence.probes?.tls;
    if (tls && (tls.error || (tls.daysLeft !== undefined && tls.daysLeft < 0))) {
      return {
        confidence: 'high',
        signal: null,
        evidence: [
          `https://${tls.name}: ${tls.error ?? 'expired'}${tls.validTo ? ` (valid to ${tls.validTo})` : ''}`,
        ],
        captures: { name: tls.name, reason: tls.error ?? 'expired' },
      };
    }
    return null;
  },
  fix(c, t) {
    const name = c.name ?? t.serverName ?? 'example.com';
    return [
      `echo | openssl s_client -connect 127.0.0.1:443 -servername ${name} 2>/dev/null | openssl x509 -noout -subject -enddate`,
      `certbot renew --cert-name ${name}   # or install the renewed certificate at the path in ssl_certificate`,
      `nginx -t && systemctl reload nginx`,
    ];
  },
};
