import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * The cluster, not a document, failed (connection refused, every item rejected, a shard with no active
 * copy or a cluster block past the retry budget): the run stops, checkpoints stay.
 */
export class ClusterUnavailableError extends SearchSyncError {
  constructor(detail: string, options?: ErrorOptions) {
    super(messages.clusterUnavailable(detail), options);
  }
}
