/**
 * How a new version backfills. By default one stream reads the whole table in change order in the lease
 * holder. Partitioned, the key space is cut into ranges that every instance running the module claims
 * through Postgres and reads in key order, then one stream catches up from the low watermark to the head.
 */
export interface BackfillOptions {
  /** Share a new version's backfill between instances, by key ranges. Default false. Exact capture only. */
  readonly partitioned?: boolean;
  /** Source rows per partition, about. Default 250,000. */
  readonly rowsPerPartition?: number;
  /** Partitions at least, while there are rows for them. Default 8. */
  readonly minPartitions?: number;
}
