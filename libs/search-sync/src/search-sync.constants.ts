// Metadata keys the decorators record and the explorer reads: at the root, so decorators depend on no layer.
export const SEARCH_INDEX_METADATA = 'search-sync:search-index';
export const INDEX_VERSION_METADATA = 'search-sync:index-version';
