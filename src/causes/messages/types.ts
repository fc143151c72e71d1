// The inventory of fatal messages: what the programs on the request path print when they fail, taken
// from their own source code, each mapped to a cause with the values it captures.

export interface Message {
  /** The program or library that prints it: 'gunicorn', 'psycopg2', 'nginx', 'kernel'. */
  program: string;
  /** Where the message is printed, as a path in the program's repository: 'gunicorn/arbiter.py'. */
  source: string;
  /** The message as the source code writes it, with its format placeholders: "Failed to find attribute %r in %r." */
  template: string;
  /**
   * Matches the printed message's family on one log line (its envelope already removed) or on an exception's
   * "Type: message" text. Named groups capture the values a fix needs: module, attribute, variable, host,
   * port, path, user, value, option.
   */
  pattern: RegExp;
  /** The cause id it proves. */
  cause: string;
  /** Lines of the family that mean nothing (a browser's favicon.ico): the near misses it must not claim. */
  unless?: RegExp;
  /** It fits the cause without proving it alone (a SIGKILL, exit code 137): the cause weighs it with the rest. */
  weak?: true;
}
