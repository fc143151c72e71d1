// A server's command line read as options and positionals, and the settings' values as numbers or lists.
import type { PyValue } from './python-expression.ts';

export interface Scanned {
  options: [string, string | undefined][];
  positionals: string[];
}

/** Splits argv into options and positionals; options take a value unless they are in `flags`. */
export function scan(args: string[], flags: Set<string>): Scanned {
  const options: [string, string | undefined][] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (flags.has(a)) {
      options.push([a, undefined]);
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq !== -1) options.push([a.slice(0, eq), a.slice(eq + 1)]);
      else options.push([a, args[++i]]);
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      const short = a.slice(0, 2);
      if (flags.has(short)) options.push([short, undefined]);
      else if (a.length > 2) options.push([short, a.slice(2).replace(/^=/, '')]);
      else options.push([short, args[++i]]);
    } else {
      positionals.push(a);
    }
  }
  return { options, positionals };
}

export function values(scanned: Scanned, ...names: string[]): string[] {
  return scanned.options.filter(([n, v]) => names.includes(n) && v !== undefined).map(([, v]) => v as string);
}

export function last(scanned: Scanned, ...names: string[]): string | undefined {
  const all = values(scanned, ...names);
  return all[all.length - 1];
}

export function has(scanned: Scanned, ...names: string[]): boolean {
  return scanned.options.some(([n]) => names.includes(n));
}

export function integer(value: string | number | undefined | null | PyValue): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function stringList(value: PyValue | undefined): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}
