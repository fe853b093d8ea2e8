import { mapOrdered } from '../utils/async-iterable.util.js';
import type { IndexOperation, LoadedBatch, LoadResult, PlannedBatch, Stage } from './pipeline.interface.js';

/** Anything that takes operations to OpenSearch: the bulk loader, or a wrapper of it (metrics, rate limits). */
export type Loader = (operations: readonly IndexOperation[]) => Promise<LoadResult>;

/**
 * Loads up to `batchesInFlight` batches at once while the next one is extracted and transformed, and
 * hands them on in batch order so checkpoints commit in order. A batch starts loading as soon as an
 * earlier one is loaded, while that one's checkpoint is still being committed.
 */
export function load(loader: Loader, batchesInFlight: number): Stage<PlannedBatch, LoadedBatch> {
  return (batches) =>
    mapOrdered(batches, batchesInFlight, async (batch) => {
      const result = await loader(batch.operations);
      return { ...batch, deadLetters: [...batch.deadLetters, ...result.deadLetters], stats: result.stats };
    });
}
