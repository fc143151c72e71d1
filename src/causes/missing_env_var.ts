import { type Cause, fromSignal, unitName } from './types.ts';

const ENV_NAME = /^[A-Z][A-Z0-9_]{2,}$/;

export const missingEnvVar: Cause = {
  meta: {
    id: 'missing_env_var',
    title: 'The app reads an environment variable that its unit does not set',
    layer: 'app',
    docs:
      'Settings read os.environ["NAME"] (or a settings library requires NAME) and the process does not ' +
      "have it: the variable is missing from the unit's EnvironmentFile, the file is another one than the " +
      'deploy wrote, or systemd was not told to read it.',
  },
  matchError(error) {
    for (const e of error.chain) {
      const type = e.type.replace(/^.*\./, '');
      const msg = e.message;
      if (type === 'KeyError') {
        const name = /^'([^']+)'$/.exec((msg.split('\n')[0] ?? '').trim())?.[1];
        if (name && ENV_NAME.test(name)) return { variable: name };
      }
      // django-environ / environs / python-decouple / Django's own message
      const m =
        /Set the (\w+) environment variable/.exec(msg) ??
        /Environment variable "?(\w+)"? not set/i.exec(msg) ??
        /^(\w+) not found\. Declare it as envvar/.exec(msg) ??
        /The (\w+) setting must not be empty/.exec(msg);
      if (m) return { variable: m[1] ?? '' };
      // Django's ImproperlyConfigured and settings loaders in their own words, naming an upper-case setting:
      // 'Either "SECRET_KEY" or "SECRET_KEY_FILE" settings parameters must be set.'
      if (/ImproperlyConfigured|Settings|Config|Environment/i.test(e.type)) {
        const n =
          /["'`]?\b([A-Z][A-Z0-9_]{2,})\b["'`]?[^.\n]{0,80}?\b(?:must be set|is not set|are not set|not set|is required|are required|must not be empty|is missing|are missing|must be defined|is undefined)/.exec(
            msg,
          );
        if (n) return { variable: n[1] ?? '' };
        // a setting named in the app's own words: "`system.secret-key` MUST be set"
        const k = /[`'"]([\w.-]{3,80})[`'"] (?:MUST|must) (?:be set|not be empty)/.exec(msg);
        if (k) return { variable: k[1] ?? '' };
      }
      // pydantic settings: "1 validation error for Settings\ndatabase_url\n  Field required"
      const p = /validation errors? for \w*Settings\w*\n(\w+)\n\s*(?:Field required|field required)/.exec(
        msg,
      );
      if (p) return { variable: (p[1] ?? '').toUpperCase() };
    }
    return null;
  },
  decide: (evidence) => fromSignal('missing_env_var', evidence),
  fix(c, t) {
    const v = c.variable ?? 'NAME';
    const file = t.envFile ?? '/etc/APP.env';
    return [
      `grep -c '^${v}=' ${file} || echo '${v}=...' >> ${file}   # set the real value`,
      `systemctl show ${unitName(t)} -p EnvironmentFiles`,
      `systemctl restart ${unitName(t)}`,
    ];
  },
};
