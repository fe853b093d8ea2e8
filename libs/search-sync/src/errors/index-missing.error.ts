import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * A version that is not retired has no index (deleted outside the library): nothing is written to it,
 * since a bulk write would create it again with dynamic mappings.
 */
export class IndexMissingError extends SearchSyncError {
  constructor(family: string, versions: readonly { readonly version: number; readonly index: string }[]) {
    super(messages.indexMissing(family, versions));
  }
}
