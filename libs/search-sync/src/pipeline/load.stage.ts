import type { Stage } from '../family/stage.interface.js';
import { mapOrdered } from '../utils/async-iterable.util.js';
import type { IndexOperation, LoadedBatch, LoadResult, PlannedBatch } from './pipeline.interface.js';

/**
 * Anything that takes operations to OpenSearch: the bulk loader, or a wrapper of it (metrics, rate
 * limits). Once `halt` is aborted it sends nothing more and rejects with its reason; a wrapper passes
 * it on.
 */
export type Loader = (operations: readonly IndexOperation[], halt?: AbortSignal) => Promise<LoadResult>;

/**
 * Loads up to `batchesInFlight` batches at once while the next one is extracted and transformed, and
 * hands them on in batch order so checkpoints commit in order. A batch starts loading as soon as an
 * earlier one is loaded, while that one's checkpoint is still being committed.
 */
export function load(
  loader: Loader,
  batchesInFlight: number,
  halt?: AbortSignal,
): Stage<PlannedBatch, LoadedBatch> {
  return (batches) =>
    mapOrdered(batches, batchesInFlight, async (batch) => {
      halt?.throwIfAborted();
      const result = await loader(batch.operations, halt);
      return { ...batch, deadLetters: [...batch.deadLetters, ...result.deadLetters], stats: result.stats };
    });
}
