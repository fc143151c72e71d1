// Where the shared store is: a postgresql:// URL from MEDIC_STORE_URL (so that its password can live in an
// EnvironmentFile= of medic's unit), else from medic.yaml (store:, or watch.store), where ${NAME} is read from
// medic's environment too. Its password is never printed: every place that shows the URL shows it masked.
import { UsageError } from '../errors.ts';
import { Masker } from '../report/mask.ts';

export const STORE_URL_ENV = 'MEDIC_STORE_URL';

/** A PostgreSQL connection URL, or ${NAME} for one kept in medic's environment. */
export function isSharedStoreUrl(value: string | undefined | null): value is string {
  return !!value && /^(?:postgres(?:ql)?:\/\/\S+|\$\{\w+\})$/.test(value);
}

/** The shared store: --store when it is a URL, else store: in medic.yaml, else a watch.store that is one. */
export function sharedStoreOf(
  config: { store?: string | undefined; watch?: { store?: string | undefined } | undefined } | null,
  override?: string,
): string | null {
  if (isSharedStoreUrl(override)) return override;
  if (config?.store) return config.store;
  return isSharedStoreUrl(config?.watch?.store) ? config.watch.store : null;
}

/**
 * The URL to connect to: MEDIC_STORE_URL when set, else the configured one with ${NAME} expanded. Null when
 * neither names one. A variable that is not set, or a URL that is not PostgreSQL's, is a one-line UsageError.
 */
export function resolveStoreUrl(
  configured: string | null,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const fromEnv = env[STORE_URL_ENV];
  const raw = fromEnv ? fromEnv : configured;
  if (!raw) return null;
  const url = raw.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new UsageError(`store: \${${name}} is not set in medic's environment`);
    return v;
  });
  if (!/^postgres(?:ql)?:\/\/\S+$/.test(url))
    throw new UsageError(
      `${fromEnv ? STORE_URL_ENV : 'store'}: ${maskedStoreUrl(url)} is not a postgresql:// URL`,
    );
  return url;
}

/** The URL as medic prints it: the password masked, whatever it holds. */
export function maskedStoreUrl(url: string): string {
  const masker = new Masker();
  const password = /^[a-z][\w+.-]*:\/\/[^\s:/@]*:(.+)@[^@]*$/i.exec(url)?.[1];
  if (password) masker.addSecret(password);
  const query = /[?&]password=([^&]+)/i.exec(url)?.[1];
  if (query) masker.addSecret(query);
  return masker.text(url);
}
