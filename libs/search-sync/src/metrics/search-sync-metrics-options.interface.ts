import type { Registry } from 'prom-client';

export interface SearchSyncMetricsOptions {
  /**
   * The registry the metrics go in: the application's own. Default prom-client's global `register`,
   * which `@willsoto/nestjs-prometheus` serves at `/metrics` too.
   */
  readonly registry?: Registry;
  /** Put before every metric name. Default `search_sync_`. */
  readonly prefix?: string;
  /** Buckets of the bulk request duration histogram, in seconds. */
  readonly bulkDurationBuckets?: readonly number[];
  /** Buckets of the run duration histogram, in seconds. */
  readonly runDurationBuckets?: readonly number[];
  /**
   * The gauges read from status (lag, pending changes, open dead letters, documents, backfill) are read
   * once per scrape, or less often: a scrape within this time of the last read reuses it, so several
   * scrapers do not each query the database. Default 5000 ms; 0 reads at every scrape.
   */
  readonly statusMaxAgeMs?: number;
}
