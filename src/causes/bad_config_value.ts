import { type Cause, fromSignal, unitName } from './types.ts';

// A value was read but cannot be used: not a number, not a URL, not one of the allowed values.
const BAD_VALUE = [
  /invalid literal for int\(\) with base \d+: '([^']*)'/,
  /could not convert string to float: '([^']*)'/,
  /Port could not be cast to integer value as '([^']*)'/,
  /Port out of range 0-65535/,
  /Could not parse (?:SQLAlchemy|rfc1738) URL from string '([^']*)'/,
  /Invalid (?:URL|DSN|dsn)\b/,
  /invalid dsn: /,
  /Redis URL must specify one of the following schemes/,
  /Input should be a valid (?:integer|number|boolean|URL)/,
  /value is not a valid (?:integer|float|boolean)/,
  /invalid connection option "(\w+)"/,
];

export const badConfigValue: Cause = {
  meta: {
    id: 'bad_config_value',
    title: 'A setting has a value the app cannot use',
    layer: 'app',
    docs:
      'The variable is present but malformed: a port that is not a number, a URL with a typo or an ' +
      'unescaped character in the password, a boolean written as "yes please". The app fails while ' +
      'parsing its settings at start.',
  },
  matchError(error) {
    for (const e of error.chain) {
      if (!/Error|Exception/.test(e.type)) continue;
      for (const re of BAD_VALUE) {
        const m = re.exec(e.message);
        if (m) return { value: m[1] ?? '', message: `${e.type}: ${e.message.split('\n')[0]}` };
      }
    }
    return null;
  },
  decide: (evidence) => fromSignal('bad_config_value', evidence),
  fix(c, t) {
    const file = t.envFile ?? '/etc/APP.env';
    if (c.host)
      // the database URL was cut at an @ of its password: what came before "@host" is the password's tail
      return [
        `grep -n '@${c.host.replace(/'/g, '')}' ${file}   # the password in this URL holds an @ (or : / #): URL-encode it, @ as %40`,
        `python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' 'THE-PASSWORD'`,
        `systemctl restart ${unitName(t)}`,
      ];
    return [
      `grep -n '${c.value ? c.value.replace(/'/g, '') : '='}' ${file}   # fix the value this line sets (URL-encode special characters in passwords)`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
