import type { ParseArgsConfig } from 'node:util';

export type CommandName =
  | 'status'
  | 'sync'
  | 'backfill'
  | 'promote'
  | 'rollback'
  | 'retire'
  | 'reconcile'
  | 'dead-letters'
  | 'replay'
  | 'plan'
  | 'capture-migration';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly name: CommandName;
  readonly usage: string;
  readonly summary: string;
  /** `family` and `version` arguments, in order; a `?` marks an optional one. */
  readonly positionals: readonly ('family' | 'family?' | 'version' | 'version?')[];
  readonly options: Options;
  /**
   * Whether the application's families are bootstrapped first, as the application itself would at start
   * (new versions registered and their indexes created): only for the commands that change indexes.
   */
  readonly prepare: boolean;
}

const reasonFilter: Options = { reason: { type: 'string' } };

/** Every command, in the order `help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    usage: '[family]',
    summary: 'a table per family: each version with its state, checkpoint, lag, documents, dead letters',
    positionals: ['family?'],
    options: {},
    prepare: false,
  },
  {
    name: 'sync',
    usage: '[family]',
    summary: 'one run of the family (every family when none is named) up to the horizon',
    positionals: ['family?'],
    options: {},
    prepare: true,
  },
  {
    name: 'backfill',
    usage: '<family> [--progress]',
    summary: 'runs until the backfilling versions reach the head, with a progress bar (rate, ETA)',
    positionals: ['family'],
    options: { progress: { type: 'boolean' } },
    prepare: true,
  },
  {
    name: 'promote',
    usage: '<family> <version>',
    summary: 'points the alias at a live version that passes the parity check',
    positionals: ['family', 'version'],
    options: {},
    prepare: true,
  },
  {
    name: 'rollback',
    usage: '<family>',
    summary: 'points the alias back at the version that served before',
    positionals: ['family'],
    options: {},
    prepare: true,
  },
  {
    name: 'retire',
    usage: '<family> <version> [--grace 24h]',
    summary: 'stops syncing a version; its index is deleted after the grace period (default 24h)',
    positionals: ['family', 'version'],
    options: { grace: { type: 'string' } },
    prepare: true,
  },
  {
    name: 'reconcile',
    usage: '<family> [version] [--content] [--sample 1%]',
    summary:
      'compares live versions with the source by key ranges and repairs what differs; --content compares each document (--sample: a share of them)',
    positionals: ['family', 'version?'],
    options: { content: { type: 'boolean' }, sample: { type: 'string' } },
    prepare: true,
  },
  {
    name: 'dead-letters',
    usage: '<family> [version] [--reason text] [--resolved] [--limit n]',
    summary: 'lists open dead letters (all with --resolved), filtered by version and reason',
    positionals: ['family', 'version?'],
    options: { ...reasonFilter, resolved: { type: 'boolean' }, limit: { type: 'string' } },
    prepare: false,
  },
  {
    name: 'replay',
    usage: '<family> [version] [--reason text]',
    summary: 'sends open dead letters again from the source as it is now',
    positionals: ['family', 'version?'],
    options: reasonFilter,
    prepare: true,
  },
  {
    name: 'plan',
    usage: '<family> <version> [--sample 200] [--show 3]',
    summary: 'what a version not live yet would do: mapping diff, documents, samples, rejects, backfill time',
    positionals: ['family', 'version'],
    options: { sample: { type: 'string' }, show: { type: 'string' } },
    prepare: false,
  },
  {
    name: 'capture-migration',
    usage: '<family> [--name x] [--out drizzle] [--config drizzle.config.ts] [--print]',
    summary: "writes the family's change-capture SQL into a new drizzle-kit custom migration",
    positionals: ['family'],
    options: {
      name: { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
      print: { type: 'boolean' },
    },
    prepare: false,
  },
];

/** Options every command takes. */
export const GLOBAL_OPTIONS: Options = {
  module: { type: 'string', short: 'm' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The text of `search-sync help`. */
export function usageText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: search-sync <command> [arguments] --module <file.js[#Export]> [--json] [--verbose]',
    '',
    "Boots the application's Nest module (--module, or SEARCH_SYNC_MODULE) without its schedules, runs one",
    'command through SearchSyncService, and exits.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.usage}\n  ${' '.repeat(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 refused by the library,',
    '4 done with differences (reconcile repaired, replay left failures, plan rejects), 5 lease busy.',
  ].join('\n');
}
