export const DEFAULT_METRICS_PREFIX = 'search_sync_';

/** Bulk requests take milliseconds on an idle cluster and tens of seconds on a struggling one. */
export const DEFAULT_BULK_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** A live run takes milliseconds; a backfill run lasts until it reaches the head. */
export const DEFAULT_RUN_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

export const DEFAULT_STATUS_MAX_AGE_MS = 5000;
