import type { ForeignIndex, StateIdentity } from './ownership.types.js';
import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * An index of a version exists but this state did not create or adopt it (another database's state, a
 * state schema reinstalled or copied, an index made by hand): nothing is written to it, and the message
 * names its owner and the two ways out, deleting or adopting it.
 */
export class IndexNotOwnedError extends SearchSyncError {
  constructor(family: string, indexes: readonly ForeignIndex[], identity: StateIdentity | null) {
    super(messages.indexNotOwned(family, indexes, identity?.copiedFrom ?? null));
  }
}
