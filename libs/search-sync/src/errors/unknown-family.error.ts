import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

export class UnknownFamilyError extends SearchSyncError {
  constructor(family: string, known: readonly string[]) {
    super(messages.unknownFamily(family, known));
  }
}
