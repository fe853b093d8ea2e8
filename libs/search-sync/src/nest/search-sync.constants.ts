/** The resolved runtime context (database, client, defaults) built from the module options. */
export const SEARCH_SYNC_CONTEXT = Symbol('search-sync:context');
/**
 * Provided by the command line's root module (never by applications): the application is booted for one
 * command, so schedules and wake-on-commit stay off, and read-only commands skip the families' bootstrap.
 * `Symbol.for`, so a second copy of the package in node_modules still finds it.
 */
export const SEARCH_SYNC_COMMAND_MODE = Symbol.for('search-sync:command-mode');
