import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** Another instance took the family's lease over: the run stops and its last batch is not committed. */
export class LeaseLostError extends SearchSyncError {
  constructor(family: string, holder: string) {
    super(messages.leaseLost(family, holder));
  }
}
