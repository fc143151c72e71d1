// The arguments a command passes on to medic on each host: the command's path and the options the user
// gave (defaults stay the host's own), less the ones that mean something on this machine only.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

/** The inventory (-c names the file that holds hosts:), the hosts chosen and the rollout's width. */
const HERE_ONLY = new Set(['config', 'hosts', 'allHosts', 'parallel']);

/** Options a host cannot act on, and why. */
const REFUSED: Record<string, (value: unknown) => string | null> = {
  log: (v) =>
    Array.isArray(v) && v.includes('-')
      ? '--log - reads the standard input here: with --hosts, --log names a file on each host'
      : null,
  explain: () => '--explain prints a page of the catalog, the same everywhere: give it without --hosts',
};

/** argv for `medic` on a host: e.g. ['check', '--only', 'nginx', 'web'] for `medic check web --only nginx --all-hosts`. */
export function forwardedArgv(leaf: Command): string[] {
  const chain: Command[] = [];
  for (let c: Command | null = leaf; c?.parent; c = c.parent) chain.unshift(c);
  const program = chain[0]?.parent;
  const argv = program?.opts<{ debug?: boolean }>().debug ? ['--debug'] : [];
  for (const c of chain) argv.push(c.name(), ...givenOptions(c));
  const operands = leaf.processedArgs.flat().filter((a): a is string => typeof a === 'string');
  // a unit or file named "-x" stays an operand there too
  if (operands.some((a) => a.startsWith('-'))) argv.push('--');
  argv.push(...operands);
  return argv;
}

function givenOptions(c: Command): string[] {
  const argv: string[] = [];
  for (const option of c.options) {
    const key = option.attributeName();
    const source = c.getOptionValueSource(key);
    if (HERE_ONLY.has(key) || (source !== 'cli' && source !== 'env')) continue;
    const value: unknown = c.getOptionValue(key);
    const refused = REFUSED[key]?.(value);
    if (refused) throw new UsageError(refused);
    const flag = option.long ?? option.short ?? `--${key}`;
    if (option.negate) {
      if (value === false) argv.push(flag);
    } else if (value === true) argv.push(flag);
    else if (Array.isArray(value)) for (const v of value) argv.push(flag, String(v));
    else if (value !== undefined && value !== false) argv.push(flag, String(value));
  }
  return argv;
}
