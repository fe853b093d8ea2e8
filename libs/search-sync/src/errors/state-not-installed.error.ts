import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** The library's own tables are missing: a migration was not applied. */
export class StateNotInstalledError extends SearchSyncError {
  constructor(schema: string) {
    super(messages.stateNotInstalled(schema));
  }
}
