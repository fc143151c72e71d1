// What a command sees while its wrappers are looked through: its directory, its environment, the
// virtualenv a shell activated, and the files it would read from there.
import { posix } from 'node:path';
import { type ConfigOptions, type PyValue } from './python-expression.ts';
import { analyseConfig } from './python-config.ts';

export interface Context {
  read: (path: string) => string | undefined;
  cwd: string | undefined;
  env: Record<string, string>;
  /** The bin/ of a virtualenv a shell wrapper activated with `source …/bin/activate`. */
  activated: string | undefined;
  cpus: number | undefined;
}

export function resolve(path: string, cwd: string | undefined): string {
  // A path that starts with a variable ("${ConfigPath}") is whatever the variable holds, not one under cwd.
  return posix.isAbsolute(path) || cwd === undefined || path.startsWith('$') ? path : posix.join(cwd, path);
}

/** Reads a config file given as "path", "file:path" or "python:module" (which cannot be read). */
export function readConfig(
  spec: string,
  ctx: Context,
): { file: string; settings?: Map<string, PyValue>; unresolved?: Set<string> } {
  if (spec.startsWith('python:')) return { file: spec };
  const file = resolve(spec.replace(/^file:/, ''), ctx.cwd);
  const text = ctx.read(file);
  if (text === undefined) return { file };
  const options: ConfigOptions = ctx.cpus === undefined ? {} : { cpus: ctx.cpus };
  const { values, unresolved } = analyseConfig(text, ctx.env, options);
  return { file, settings: values, unresolved };
}
