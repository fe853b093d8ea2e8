/** The resolved runtime context (database, client, defaults) built from the module options. */
export const SEARCH_SYNC_CONTEXT = Symbol('search-sync:context');
