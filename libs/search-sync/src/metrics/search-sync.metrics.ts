import { register } from 'prom-client';
import type { SyncObserver } from '../events/sync-event.interface.js';
import type { FamilyStatus } from '../nest/search-sync-status.interface.js';
import { MetricNames } from './metric-name.util.js';
import {
  DEFAULT_BULK_DURATION_BUCKETS,
  DEFAULT_METRICS_PREFIX,
  DEFAULT_RUN_DURATION_BUCKETS,
  DEFAULT_STATUS_MAX_AGE_MS,
} from './search-sync-metrics.constants.js';
import type { SearchSyncMetricsOptions } from './search-sync-metrics-options.interface.js';
import { registerStatusGauges } from './status.metrics.js';
import { StatusSnapshot } from './status.snapshot.js';
import { SyncEventMetrics } from './sync-event.metrics.js';

/** Where the metrics read from: the families' status at scrape time, and the declared families. */
export interface SearchSyncMetricsSource {
  readonly status: () => Promise<FamilyStatus[]>;
  readonly families: () => readonly string[];
}

export interface SearchSyncMetrics {
  /** Feeds the counters and histograms: subscribe it with `SearchSyncService.observe()` (or `observer`). */
  readonly observe: SyncObserver;
  /** Takes every metric of the library out of the registry. */
  readonly remove: () => void;
}

/**
 * The library's metrics in a prom-client registry, without Nest: `SearchSyncMetricsModule` wires this
 * to `SearchSyncService`; a program that runs `FamilySync` itself passes `observe` as its `observer`.
 */
export function createSearchSyncMetrics(
  source: SearchSyncMetricsSource,
  options: SearchSyncMetricsOptions = {},
): SearchSyncMetrics {
  const registry = options.registry ?? register;
  const names = new MetricNames(registry, options.prefix ?? DEFAULT_METRICS_PREFIX);
  try {
    const events = new SyncEventMetrics(names, [registry], {
      bulkDurationBuckets: options.bulkDurationBuckets ?? DEFAULT_BULK_DURATION_BUCKETS,
      runDurationBuckets: options.runDurationBuckets ?? DEFAULT_RUN_DURATION_BUCKETS,
      families: source.families,
    });
    const snapshot = new StatusSnapshot(source.status, options.statusMaxAgeMs ?? DEFAULT_STATUS_MAX_AGE_MS);
    registerStatusGauges(names, [registry], () => snapshot.get());
    return { observe: events.observe, remove: () => names.removeAll() };
  } catch (error) {
    // The metrics registered before the conflict would otherwise stay behind.
    names.removeAll();
    throw error;
  }
}
