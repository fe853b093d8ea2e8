import type { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import type { KeyColumn } from '../keys/key.types.js';
import type { Fence } from '../leases/fence.type.js';
import { documentKey } from '../pipeline/dead-letter.record.js';
import type { LoadedBatch } from '../pipeline/pipeline.interface.js';

export interface BatchCommitterOptions {
  readonly family: string;
  readonly db: SyncDatabase;
  readonly keys: readonly KeyColumn[];
  readonly checkpoints: CheckpointStore;
  readonly deadLetters: DeadLetterStore;
}

/**
 * The checkpoint step of the pipeline: once a batch is durably handled, its dead letters are recorded
 * and its versions' checkpoints move forward (compare-and-set, never back) in one transaction that
 * checks the lease first. Pending transactions whose changes are all applied are settled the same way.
 */
export class BatchCommitter {
  /** Whether open dead letters may exist, so commits only look for superseded ones when they can. */
  private openDeadLetters = true;

  constructor(private readonly options: BatchCommitterOptions) {}

  /** Told at the start of a run whether the family has open dead letters. */
  expectOpenDeadLetters(open: boolean): void {
    this.openDeadLetters = open;
  }

  async commit(batch: LoadedBatch, fence?: Fence): Promise<void> {
    const { db, family, keys, checkpoints, deadLetters } = this.options;
    const failed = new Set(batch.deadLetters.map((d) => documentKey(d.version, d.documentId)));
    const resolveSuperseded = this.openDeadLetters;
    this.openDeadLetters ||= batch.deadLetters.length > 0;
    await transaction(db, async (tx) => {
      // First, so that an instance that lost its lease writes nothing at all.
      await fence?.(tx);
      if (resolveSuperseded) {
        // A document written now supersedes its earlier failure in that version.
        const written = batch.operations.filter((op) => !failed.has(documentKey(op.version, op.id)));
        await deadLetters.resolveSuperseded(tx, family, written);
      }
      await deadLetters.record(tx, family, batch.deadLetters);
      if (batch.pending) {
        const checkpoint = { ...batch.end, pending: batch.pending };
        await checkpoints.advance(tx, family, batch.versions, checkpoint, keys);
      }
    });
  }

  /** Pending transactions all of whose changes are applied leave the versions' checkpoints. */
  async settle(versions: readonly number[], finished: readonly number[], fence?: Fence): Promise<void> {
    const { db, family, checkpoints } = this.options;
    await transaction(db, async (tx) => {
      await fence?.(tx);
      await checkpoints.settle(tx, family, versions, finished);
    });
  }
}
