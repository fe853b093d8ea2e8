/** The command line's own wording: what went wrong and what to type instead. */
export const cliMessages = {
  noCommand: () => 'No command given. Run `search-sync help` for the commands.',
  unknownCommand: (name: string, known: readonly string[]) =>
    `Unknown command "${name}". Commands: ${known.join(', ')}.`,
  badArguments: (command: string, detail: string, usage: string) =>
    `${detail} Usage: search-sync ${command} ${usage}`.trim(),
  notANumber: (what: string, value: string) => `${what} must be a whole number, not "${value}".`,
  badShare: (value: string) =>
    `"${value}" is not a share of the key space: give a percentage such as 1% or a fraction such as 0.01 (at most 100%).`,
  badDuration: (value: string) =>
    `--grace must be a duration such as 0, 90s, 15m, 24h or 7d (or milliseconds), not "${value}".`,
  noModule: () =>
    'Say which Nest module to boot: --module dist/app.module.js (a named export with #Name) or the ' +
    'SEARCH_SYNC_MODULE environment variable.',
  moduleNotLoaded: (file: string, detail: string) =>
    `Could not load the module file ${file} (${detail}). Build the application first, and pass the built ` +
    '.js file with --module.',
  exportMissing: (file: string, name: string, exports: readonly string[]) =>
    `${file} has no export "${name}". Its exports: ${exports.join(', ') || 'none'}. Name one with --module ${file}#Name.`,
  exportAmbiguous: (file: string, exports: readonly string[]) =>
    `${file} has no default export and several others (${exports.join(', ')}): name the module with --module ${file}#Name.`,
  notAModule: (file: string, name: string) =>
    `Export "${name}" of ${file} is not a Nest module: export the application's module class, a dynamic module ` +
    '(`AppModule.forRoot(...)`), or a function (async or not) that returns one.',
  providerNotModule: (file: string, providers: readonly string[]) =>
    `${file} exports a provider (${providers.join(', ')}), not a Nest module: a class decorated with ` +
    "@Injectable() (a @SearchIndex family) goes in a module's providers. Point --module at the built file " +
    "that exports the application's module (the class decorated with @Module(), a dynamic module, or a " +
    'function that returns one), such as dist/search-sync.cli.js.',
  waitingForLease: (family: string, holder: string, expiresAt: Date | null, waitMs: number) =>
    `family "${family}" is busy: its lease is held by ${holder} ` +
    `(until ${expiresAt?.toISOString() ?? 'it lets go'}, unless it renews it); waiting for it, at most ` +
    `${Math.round(waitMs / 1000)} s`,
  serviceMissing: () =>
    'The booted module does not provide SearchSyncService: point --module at the module that imports ' +
    'SearchSyncModule.forRoot() (or one that imports that module).',
  migrationNotNeeded: (family: string) =>
    `Family "${family}" uses timestamp capture: no trigger to install, so no migration to write.`,
  drizzleKitFailed: (detail: string) =>
    `drizzle-kit generate --custom failed (${detail}). Install drizzle-kit in the application, or pass --print ` +
    'and put the SQL in a migration yourself.',
  migrationNotFound: (out: string) =>
    `drizzle-kit added no migration to ${out}/meta/_journal.json: pass --out with the folder your drizzle ` +
    'config writes to (its `out`), and --config if it is not drizzle.config.ts.',
};
