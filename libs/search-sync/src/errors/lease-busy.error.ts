import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** An operation that needs the family to itself could not get its lease in time. */
export class LeaseBusyError extends SearchSyncError {
  constructor(family: string, holder: string) {
    super(messages.leaseBusy(family, holder));
  }
}
