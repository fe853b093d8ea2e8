import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** A version number the family neither declares nor records: a typo, or a version not deployed yet. */
export class UnknownVersionError extends SearchSyncError {
  constructor(family: string, version: number, known: readonly number[]) {
    super(
      messages.unknownVersion(
        family,
        version,
        [...known].sort((a, b) => a - b),
      ),
    );
  }
}
