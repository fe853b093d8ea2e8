import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

export interface ClusterUnavailableOptions extends ErrorOptions {
  /**
   * Set when OpenSearch did not answer at all (connection refused, no living node, a timeout): the node
   * asked, as its URL without credentials, or null when the client did not say which.
   */
  readonly node?: string | null;
}

/**
 * The cluster, not a document, failed (connection refused, every item rejected, a shard with no active
 * copy or a cluster block past the retry budget): the run stops, checkpoints stay.
 */
export class ClusterUnavailableError extends SearchSyncError {
  constructor(detail: string, options: ClusterUnavailableOptions = {}) {
    const { node, ...errorOptions } = options;
    super(
      node === undefined ? messages.clusterUnavailable(detail) : messages.clusterUnreachable(node, detail),
      errorOptions,
    );
  }
}
