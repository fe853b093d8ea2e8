import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

export class InvalidIdentifierError extends SearchSyncError {
  constructor(what: string, value: string, pattern: string) {
    super(messages.invalidIdentifier(what, value, pattern));
  }
}
