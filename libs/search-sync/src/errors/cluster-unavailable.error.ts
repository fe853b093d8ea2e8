import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** The whole cluster failed (connection refused, every item rejected): the run stops, checkpoints stay. */
export class ClusterUnavailableError extends SearchSyncError {
  constructor(detail: string, options?: ErrorOptions) {
    super(messages.clusterUnavailable(detail), options);
  }
}
