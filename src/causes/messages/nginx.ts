// Nginx's error.log messages that name a cause, from nginx/nginx 3f6f7824 (1.31.4+4). ngx_log_error appends
// " (errno: strerror)" after the message and the request context after it (", client: ..., server: ...,
// request: "...", upstream: "http://127.0.0.1:8000/", host: "..."); configuration errors end with
// " in /path/file.conf:LINE" (ngx_conf_log_error).
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- reaching the upstream (the app) ------------------------------------------------------------
  {
    // TCP: the connect() completes asynchronously, so the refusal is logged without the address; the
    // upstream address comes in the request context.
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: 'connect() failed (111: Connection refused) while connecting to upstream',
    pattern:
      /connect\(\) failed \((?<errno>111): Connection refused\) while connecting to upstream(?:, [^\n]{0,600}?upstream: "(?<url>[^"\n]{1,300})")?/,
    cause: 'upstream_mismatch',
  },
  {
    // TCP refused at once (the address is in the message).
    program: 'nginx',
    source: 'src/event/ngx_event_connect.c',
    template: 'connect() to %V failed (111: Connection refused)',
    pattern:
      /connect\(\) to (?!unix:)(?<host>\[[0-9a-fA-F:.]{1,60}\]|[^\s:]{1,100}):(?<port>\d{1,5}) failed \((?<errno>111): Connection refused\)/,
    cause: 'upstream_mismatch',
  },
  {
    // The socket file is there but nothing listens on it (a stale socket left by a stopped app).
    program: 'nginx',
    source: 'src/event/ngx_event_connect.c',
    template: 'connect() to unix:%s failed (111: Connection refused)',
    pattern: /connect\(\) to unix:(?<path>[^\s:]{1,300}) failed \((?<errno>111): Connection refused\)/,
    cause: 'upstream_mismatch',
  },
  {
    // No socket at that path: the app binds another path, or is not running.
    program: 'nginx',
    source: 'src/event/ngx_event_connect.c',
    template: 'connect() to unix:%s failed (2: No such file or directory)',
    pattern: /connect\(\) to unix:(?<path>[^\s:]{1,300}) failed \((?<errno>2): No such file or directory\)/,
    cause: 'upstream_mismatch',
  },
  {
    program: 'nginx',
    source: 'src/event/ngx_event_connect.c',
    template: 'connect() to unix:%s failed (13: Permission denied)',
    pattern: /connect\(\) to unix:(?<path>[^\s:]{1,300}) failed \((?<errno>13): Permission denied\)/,
    cause: 'socket_permission',
  },
  {
    program: 'nginx',
    source: 'src/event/ngx_event_connect.c',
    template: 'connect() to %V failed (113: No route to host) while connecting to upstream',
    pattern:
      /connect\(\) (?:to \S{1,300} )?failed \((?<errno>113): No route to host\) while connecting to upstream(?:, [^\n]{0,600}?upstream: "(?<url>[^"\n]{1,300})")?/,
    cause: 'firewall_blocked',
  },
  {
    // The SYN is never answered: a firewall drops it (a refused port answers at once).
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: 'upstream timed out (110: Connection timed out) while connecting to upstream',
    pattern:
      /upstream timed out \((?<errno>110): (?:Connection|Operation) timed out\) while connecting to upstream(?:, [^\n]{0,600}?upstream: "(?<url>[^"\n]{1,300})")?/,
    cause: 'firewall_blocked',
  },
  {
    // Connected, but the app did not answer within proxy_read_timeout: a request slower than the limits.
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: 'upstream timed out (110: Connection timed out) while reading response header from upstream',
    pattern:
      /upstream timed out \((?<errno>110): (?:Connection|Operation) timed out\) while reading response header from upstream(?:, [^\n]{0,600}?upstream: "(?<url>[^"\n]{1,300})")?/,
    cause: 'worker_timeout',
  },
  {
    // Every server of the upstream block is marked failed after earlier connect errors.
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: 'no live upstreams',
    pattern:
      /no live upstreams while connecting to upstream(?:, [^\n]{0,600}?upstream: "(?<url>[^"\n]{1,300})")?/,
    cause: 'upstream_mismatch',
  },

  // --- names ------------------------------------------------------------------------------------
  {
    // At configuration load ([emerg]): a proxy_pass or upstream server name that does not resolve.
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: '%s in upstream "%V" in %s:%ui',
    pattern:
      /host not found in upstream "(?<host>[^"\n]{1,200})"(?: in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6}))?/,
    cause: 'dns_misconfigured',
  },
  {
    // At request time, with a resolver and a variable in proxy_pass. OCSP stapling's lookup is another matter.
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: '%V could not be resolved (%i: %s)',
    pattern:
      /(?<![\w.-])(?<host>[\w.-]{1,200}) could not be resolved \((?<errno>\d{1,3}): [^)\n]{1,60}\)(?! while requesting certificate status)/,
    cause: 'dns_misconfigured',
  },

  // --- configuration ----------------------------------------------------------------------------
  {
    program: 'nginx',
    source: 'src/core/ngx_hash.c',
    template: 'could not build %s, you should increase %s_bucket_size: %i',
    pattern: /could not build (?<setting>\w{1,60}), you should increase (?<option>\w{1,60})/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: 'unknown directive "%s"',
    pattern: /unknown directive "(?<name>[^"\n]{1,100})"(?: in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6}))?/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: 'invalid number of arguments in "%s" directive',
    pattern:
      /invalid number of arguments in "(?<name>[^"\n]{1,100})" directive(?: in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6}))?/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: '"%s" directive is not allowed here',
    pattern:
      /"(?<name>[^"\n]{1,100})" directive is not allowed here(?: in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6}))?/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: 'directive "%s" is not terminated by ";"',
    pattern:
      /directive "(?<name>[^"\n]{1,100})" is not terminated by ";"(?: in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6}))?/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: 'unexpected "%c"',
    pattern:
      /unexpected (?:"[^"\n]{1,3}"|end of file, expecting [^\n]{1,40}?) in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6})/,
    cause: 'nginx_config_invalid',
  },
  {
    // An include (or other file named in the config) that is not there: an [emerg] with the config position.
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: 'open() "%s" failed (2: No such file or directory) in %s:%ui',
    pattern:
      /open\(\) "(?<path>[^"\n]{1,300})" failed \((?<errno>2): No such file or directory\) in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6})/,
    cause: 'nginx_config_invalid',
  },
  {
    // Any other configuration error: ngx_conf_log_error always ends with " in FILE:LINE". A name that does
    // not resolve is dns_misconfigured instead.
    program: 'nginx',
    source: 'src/core/ngx_conf_file.c',
    template: '[emerg] %s in %s:%ui',
    pattern:
      /\[emerg\] (?![^\n]{0,300}host not found in upstream)[^\n]{1,300}? in (?<file>\/[^\s:]{1,300}):(?<line>\d{1,6})/,
    cause: 'nginx_config_invalid',
  },
  {
    program: 'nginx',
    source: 'src/core/nginx.c',
    template: 'configuration file %s test failed',
    pattern: /configuration file (?<file>\S{1,300}) test failed/,
    cause: 'nginx_config_invalid',
  },
  {
    // listen on an address this host does not have.
    program: 'nginx',
    source: 'src/core/ngx_connection.c',
    template: 'bind() to %V failed (99: Cannot assign requested address)',
    pattern:
      /bind\(\) to (?<host>\[[0-9a-fA-F:.]{1,60}\]|[^\s:]{1,100}):(?<port>\d{1,5}) failed \((?<errno>99): Cannot assign requested address\)/,
    cause: 'nginx_config_invalid',
  },

  // --- TLS ----------------------------------------------------------------------------------------
  {
    // ssl_certificate / ssl_certificate_key that cannot be read or parsed (a renewal moved or never wrote it).
    program: 'nginx',
    source: 'src/event/ngx_event_openssl.c',
    template: 'cannot load certificate "%s": %s',
    pattern: /cannot load certificate(?: key)? "(?<path>[^"\n]{1,300})"/,
    cause: 'tls_expired_or_invalid',
  },
  {
    // Older nginx used SSL_CTX_use_PrivateKey_file; "key values mismatch" is a key for another certificate.
    program: 'nginx',
    source: 'src/event/ngx_event_openssl.c',
    template: 'SSL_CTX_use_PrivateKey("%s") failed',
    pattern:
      /SSL_CTX_use_(?:PrivateKey|certificate)(?:_file|_chain_file)?\("(?<path>[^"\n]{1,300})"\) failed/,
    cause: 'tls_expired_or_invalid',
  },
  {
    program: 'nginx',
    source: 'src/http/modules/ngx_http_ssl_module.c',
    template: 'no "ssl_certificate" is defined for the "listen ... ssl" directive',
    pattern: /no "ssl_certificate" is defined for the "listen \.\.\. ssl" directive/,
    cause: 'tls_expired_or_invalid',
  },
  {
    program: 'nginx',
    source: 'src/http/ngx_http_upstream.c',
    template: 'upstream SSL certificate verify error: (%l:%s)',
    pattern: /upstream SSL certificate verify error: \((?<errno>\d{1,3}):(?<value>[^)\n]{1,100})\)/,
    cause: 'tls_expired_or_invalid',
  },
  {
    // Clients refusing this server's certificate (alerts 42/45/46), or nginx refusing an upstream's. The other
    // handshake failures (no shared cipher, wrong version number, http request) are scanners and old clients.
    program: 'nginx',
    source: 'src/event/ngx_event_openssl.c',
    template: 'SSL_do_handshake() failed',
    pattern:
      /SSL_do_handshake\(\) failed \(SSL: [^\n]{0,300}?(?<value>alert certificate expired|alert certificate unknown|alert bad certificate|certificate verify failed|certificate has expired)/,
    cause: 'tls_expired_or_invalid',
  },

  // --- files and ports ------------------------------------------------------------------------------
  {
    // A static file under root/alias that is not there (log_not_found on): a request context follows.
    program: 'nginx',
    source: 'src/http/modules/ngx_http_static_module.c',
    template: '%s "%s" failed (2: No such file or directory)',
    pattern:
      /open\(\) "(?<path>[^"\n]{1,300})" failed \((?<errno>2|20): (?:No such file or directory|Not a directory)\), client: /,
    cause: 'static_files_missing',
    // What every browser asks for whether the site has it or not
    unless:
      /\/(?:favicon\.ico|robots\.txt|apple-touch-icon[\w-]*\.png|sitemap\.xml|\.well-known\/[^"]*|ads\.txt)"/,
  },
  {
    program: 'nginx',
    source: 'src/http/modules/ngx_http_static_module.c',
    template: '%s "%s" failed (13: Permission denied)',
    pattern:
      /(?:open|stat)\(\) "(?<path>[^"\n]{1,300})" failed \((?<errno>13): Permission denied\), client: /,
    cause: 'file_permission',
  },
  {
    program: 'nginx',
    source: 'src/core/ngx_connection.c',
    template: 'bind() to %V failed (98: Address already in use)',
    pattern:
      /bind\(\) to (?<host>\[[0-9a-fA-F:.]{1,60}\]|[^\s:]{1,100}):(?<port>\d{1,5}) failed \((?<errno>98): Address already in use\)/,
    cause: 'port_in_use',
  },
];
