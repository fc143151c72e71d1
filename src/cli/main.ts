import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { colourEnabled, makeStyle, type Style } from '../report/style.ts';
import { addCheck } from './check.ts';
import { addDeploy } from './deploy.ts';
import { addDiagnose } from './diagnose.ts';
import { addFleet } from './fleet.ts';
import { addIncidents } from './incidents.ts';
import { addInit } from './init.ts';
import { addServe } from './serve.ts';
import { addSelf } from './self.ts';
import { addWatch } from './watch.ts';
import { EXIT } from './exit.ts';
import { UsageError } from '../errors.ts';

/** Set by scripts/build.ts in the single executable, which has no package.json beside it. */
declare const MEDIC_VERSION: string | undefined;
export const version =
  typeof MEDIC_VERSION === 'string'
    ? MEDIC_VERSION
    : (
        JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version;

export const FORMATS = ['text', 'json', 'markdown', 'junit', 'tap'] as const;
export type Format = (typeof FORMATS)[number];

/** What every command receives: the chosen format, styling and the output streams. */
export interface Context {
  format: Format;
  debug: boolean;
  style: Style;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function buildProgram(): Command {
  const program = new Command('medic')
    .description(
      'Find why a Python web app on this server is down (the first failing layer, the first real error, the cause and the fix) and check a deployment before it breaks.',
    )
    .version(version, '-V, --version', 'print the version')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('--debug', 'show stack traces and internal detail on errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `medic: ${s.slice(7)}` : s),
    });
  addDiagnose(program, () => contextOf(program));
  addInit(program, () => contextOf(program));
  addCheck(program, () => contextOf(program));
  addWatch(program, () => contextOf(program));
  addIncidents(program, () => contextOf(program));
  addDeploy(program, () => contextOf(program));
  addServe(program, () => contextOf(program));
  addSelf(program, () => contextOf(program));
  addFleet(program, () => contextOf(program));
  return program;
}

export function contextOf(program: Command): Context {
  const opts = program.opts<{ format: Format; color: boolean; debug?: boolean }>();
  return {
    format: opts.format,
    debug: opts.debug === true,
    style: makeStyle(colourEnabled(process.stdout, process.env, opts.color === false)),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}

/** Runs medic with argv (without node and script) and returns the exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    return reportError(error, debug);
  }
}

function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help / version).
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    ) {
      return EXIT.ok;
    }
    return EXIT.error;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`medic: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT.error;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`medic: internal error: ${message.split('\n')[0]}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('medic: run again with --debug for the stack trace\n');
  return EXIT.error;
}
