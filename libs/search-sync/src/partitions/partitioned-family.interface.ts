import type { CapturedSource } from '../capture/captured.source.js';
import type { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import type { SyncObserver } from '../events/sync-event.interface.js';
import type { IndexGuard } from '../opensearch/index.guard.js';
import type { Planner } from '../pipeline/family.planner.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { VersionTarget } from '../pipeline/pipeline.interface.js';
import type { VersionStore } from '../versions/version.store.js';

/**
 * What a partitioned backfill works with of its family: the source, the state stores, a loader, the
 * planner and the index check. The family's context (sync/family.context.ts) extends it, so partitions
 * need nothing of the sync layer that runs them.
 */
export interface PartitionedFamily {
  readonly name: string;
  readonly db: SyncDatabase;
  readonly stateSchema: string;
  /** Source rows per page (one query each). */
  readonly options: { readonly batchSize?: number };
  /** The source as every SQL read sees it. */
  readonly captured: CapturedSource;
  /** The declared versions, lowest number first. */
  readonly targets: readonly Omit<VersionTarget<unknown>, 'checkpoint'>[];
  readonly checkpoints: CheckpointStore;
  readonly deadLetters: DeadLetterStore;
  readonly versions: VersionStore;
  /**
   * A loader with bulk slots of its own (as a backfill beside live versions has) that calls `beforeSend`
   * just before each bulk request: a backfill partition's claim checks there that its holder may still send.
   */
  readonly partitionLoader: (beforeSend: () => void) => Loader;
  /** The middle of the pipeline, for rows read outside a run. */
  readonly plan: Planner;
  readonly indexes: IndexGuard;
  readonly observe?: SyncObserver;
}
