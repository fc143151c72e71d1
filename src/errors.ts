/** A mistake the user can fix (bad flag, missing file, malformed config): one line, no stack, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
