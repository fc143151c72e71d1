/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  problems: 1,
  error: 2,
} as const;

/** A mistake the user can fix (bad flag, missing file, malformed config): one line, no stack, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
