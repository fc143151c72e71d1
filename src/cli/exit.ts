/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  problems: 1,
  error: 2,
} as const;
