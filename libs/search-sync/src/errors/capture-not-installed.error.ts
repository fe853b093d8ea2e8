import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * A table read with exact capture lacks what its migration installs; with `family`, the message names
 * the command that writes that migration.
 */
export class CaptureNotInstalledError extends SearchSyncError {
  constructor(table: string, missing: string, family?: string) {
    super(messages.captureNotInstalled(table, missing, family));
  }
}
