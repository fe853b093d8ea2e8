import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

export class CaptureNotInstalledError extends SearchSyncError {
  constructor(table: string, missing: string) {
    super(messages.captureNotInstalled(table, missing));
  }
}
