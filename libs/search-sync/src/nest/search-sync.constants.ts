export const SEARCH_INDEX_METADATA = 'search-sync:search-index';
export const INDEX_VERSION_METADATA = 'search-sync:index-version';
/** The resolved runtime context (database, client, defaults) built from the module options. */
export const SEARCH_SYNC_CONTEXT = Symbol('search-sync:context');
