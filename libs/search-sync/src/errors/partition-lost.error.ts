import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * A backfill partition's claim was taken over (its holder stalled past the expiry) or may have run out:
 * the holder sends nothing more for it and records nothing; the new holder resumes from the cursor.
 */
export class PartitionLostError extends SearchSyncError {
  constructor(family: string, version: number, partition: number, holder: string) {
    super(messages.partitionLost(family, version, partition, holder));
  }
}
