import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName, type CommandSpec, GLOBAL_OPTIONS } from './cli.commands.js';
import { cliMessages } from './cli.messages.js';
import { CommandLineError } from './command-line.error.js';

/** A command line as the commands read it. */
export interface ParsedCommand {
  readonly kind: 'command';
  readonly command: CommandName;
  readonly spec: CommandSpec;
  readonly family?: string;
  readonly version?: number;
  /** The command's own options, by name. */
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  /** `--module` or SEARCH_SYNC_MODULE: the file (and `#export`) holding the application's module. */
  readonly module?: string;
  readonly json: boolean;
  readonly verbose: boolean;
}

export type ParsedCommandLine = ParsedCommand | { readonly kind: 'help' };

/** Options that take a value, so the command name is found after them, not taken for their value. */
const VALUE_FLAGS = new Set(['--module', '-m']);

/** The first argument that is neither an option nor an option's value. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (VALUE_FLAGS.has(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return undefined;
}

/** A whole number argument, or a CommandLineError naming it. */
export function wholeNumber(what: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CommandLineError(cliMessages.notANumber(what, value));
  return Number(value);
}

/**
 * Reads `argv` (without node and the script): the command, its family and version, its options and the
 * global ones. Unknown commands and options, missing or extra arguments are CommandLineErrors (exit 2).
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommandLine {
  const name = commandName(argv);
  if (name === 'help' || (name === undefined && argv.some((a) => a === '--help' || a === '-h'))) {
    return { kind: 'help' };
  }
  if (name === undefined) throw new CommandLineError(cliMessages.noCommand());
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) {
    throw new CommandLineError(
      cliMessages.unknownCommand(
        name,
        COMMANDS.map((c) => c.name),
      ),
    );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs says what is wrong (an unknown option, a missing value); its first sentence is enough.
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    const detail = unknown ? `Unknown option ${unknown[1]}.` : message.split(/(?<=\.)\s/)[0];
    throw new CommandLineError(cliMessages.badArguments(name, detail, spec.usage));
  }
  const { values } = parsed;
  if (values.help) return { kind: 'help' };
  const given = parsed.positionals.slice(1);
  const required = spec.positionals.filter((p) => !p.endsWith('?')).length;
  if (given.length < required || given.length > spec.positionals.length) {
    const detail =
      given.length < required
        ? `Missing ${spec.positionals[given.length].replace('?', '')}.`
        : `Unexpected argument "${given[spec.positionals.length]}".`;
    throw new CommandLineError(cliMessages.badArguments(name, detail, spec.usage));
  }
  const argument = (which: 'family' | 'version') =>
    given[spec.positionals.findIndex((p) => p.replace('?', '') === which)];
  const version = argument('version');
  const options = Object.fromEntries(
    Object.keys(spec.options).map((option) => [option, values[option] as string | boolean | undefined]),
  );
  return {
    kind: 'command',
    command: spec.name,
    spec,
    family: argument('family'),
    version: version === undefined ? undefined : wholeNumber('The version', version),
    options,
    module: (values.module as string | undefined) ?? env.SEARCH_SYNC_MODULE,
    json: values.json === true,
    verbose: values.verbose === true,
  };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0`, `1500` (ms), `90s`, `15m`, `24h`, `7d` in milliseconds. */
/** A share of the whole, as `1%` or `0.01`: more than nothing, at most all. */
export function parseShare(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(%)?$/.exec(value.trim());
  const share = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(share > 0 && share <= 1)) throw new CommandLineError(cliMessages.badShare(value));
  return share;
}

export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new CommandLineError(cliMessages.badDuration(value));
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}
