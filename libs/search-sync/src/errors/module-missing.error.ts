import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** An add-on (metrics, health) found no `SearchSyncModule` in the application. */
export class SearchSyncModuleMissingError extends SearchSyncError {
  constructor(addOn: string, options?: ErrorOptions) {
    super(messages.moduleMissing(addOn), options);
  }
}
