// search-sync/metrics: Prometheus metrics through prom-client, an optional peer. Only this entry imports
// prom-client, so an application that does not use it does not need it installed.
export {
  createSearchSyncMetrics,
  type SearchSyncMetrics,
  type SearchSyncMetricsSource,
} from './search-sync.metrics.js';
export {
  DEFAULT_BULK_DURATION_BUCKETS,
  DEFAULT_METRICS_PREFIX,
  DEFAULT_RUN_DURATION_BUCKETS,
} from './search-sync-metrics.constants.js';
export { SearchSyncMetricsModule } from './search-sync-metrics.module.js';
export {
  METRICS_ASYNC_OPTIONS_TYPE,
  METRICS_OPTIONS_TYPE,
  SEARCH_SYNC_METRICS_OPTIONS,
} from './search-sync-metrics.module-definition.js';
export type { SearchSyncMetricsOptions } from './search-sync-metrics-options.interface.js';
