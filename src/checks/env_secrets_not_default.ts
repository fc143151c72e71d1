import { isSecretName } from '../report/mask.ts';
import type { Service } from '../discover/service.ts';
import { defineCheck, fail, pass, skip } from './types.ts';

const PLACEHOLDERS =
  /^(?:change[-_ ]?me|changeit|secret|secret[-_]?key|password|passw0rd|pass|admin|root|test|testing|dev|development|default|example|sample|dummy|todo|fixme|xxx+|123+4*5*6*|qwerty|your[-_].*|replace[-_ ]?me.*|insecure.*|not[-_]?secret|django-insecure-.*|none|null|foo|bar|foobar|key|token|s3cr3t)$/i;

/** Why a secret's value looks like a placeholder or is too weak; null when it looks like a real secret. */
export function weakSecret(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'empty';
  if (PLACEHOLDERS.test(v) || /^django-insecure-/.test(v)) return 'a placeholder value';
  if (v.length < 12) return `only ${v.length} characters`;
  if (new Set(v).size < 6) return 'too few distinct characters';
  return null;
}

/** The password of a URL ("postgresql://app:postgres@db/app"), if it has one. */
function urlPassword(value: string): string | null {
  const m = /^[a-z][\w+.-]*:\/\/[^\s:/@]*:(.+)@[^@]*$/i.exec(value);
  return m?.[1] ?? null;
}

export interface SecretsFacts {
  service: Pick<Service, 'env' | 'envSource' | 'envFiles' | 'unit'>;
}

export const check = defineCheck<SecretsFacts>({
  meta: {
    id: 'env.secrets_not_default',
    layer: 'app',
    title: 'secrets in the environment are not placeholders or weak defaults',
    docs: 'SECRET_KEY=changeme, a django-insecure- key, or a database password of "postgres" ship from examples into production and sign every session cookie. Looks at variables with secret-like names and the passwords inside URLs; only the verdict is shown, never the value.',
    risk: true,
  },
  async gather({ service }) {
    return { service };
  },
  judge({ service }) {
    const found: string[] = [];
    let looked = 0;
    for (const [name, value] of Object.entries(service.env)) {
      const pw = urlPassword(value);
      if (isSecretName(name)) {
        looked += 1;
        const why = weakSecret(value);
        if (why) found.push(`${name} in ${service.envSource[name] ?? 'the environment'}: ${why}`);
      } else if (pw !== null) {
        looked += 1;
        const why = weakSecret(pw);
        if (why) found.push(`the password in ${name}: ${why}`);
      }
    }
    if (looked === 0) return skip('no secret-looking variable in the unit environment');
    if (found.length > 0)
      return fail(
        `${found.length} secret${found.length === 1 ? '' : 's'} with a placeholder or weak value`,
        found,
        [
          `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'    # a new value`,
          `edit ${service.envFiles[0]?.path ?? 'the env file'}, then: systemctl restart ${service.unit}`,
        ],
      );
    return pass(`${looked} secret${looked === 1 ? '' : 's'} look like real values`);
  },
});
