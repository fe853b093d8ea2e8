import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** A metric of the library's is in the registry already (the metrics module is imported twice). */
export class MetricRegisteredError extends SearchSyncError {
  constructor(name: string) {
    super(messages.metricRegistered(name));
  }
}
