import type { ChangeBatch, SourceChange, Stage } from '../family/stage.interface.js';
import type { KeyColumn } from '../keys/key.types.js';
import type { PlannedBatch, VersionTarget } from '../pipeline/pipeline.interface.js';
import { route } from '../pipeline/route.stage.js';
import { transform } from '../pipeline/transform.stage.js';

/**
 * The middle of the pipeline for rows read outside a run (replay, reconcile): the family's normaliser
 * and stages, then each version's filter and transform, with no checkpoint in the way. Same stages as a
 * run, so what replay and reconcile write is what a run would have written.
 */
export function createPlanner<T>(options: {
  readonly keys: readonly KeyColumn[];
  readonly normalise: (row: any) => T;
  readonly stages: readonly Stage<ChangeBatch<T>, ChangeBatch<T>>[];
}) {
  return async (
    changes: readonly SourceChange<unknown>[],
    targets: readonly VersionTarget<T>[],
  ): Promise<PlannedBatch> => {
    const batch: ChangeBatch<T> = {
      sequence: 0,
      pending: null,
      end: changes[changes.length - 1]?.position ?? { changeKey: 0, key: [] },
      changes: changes.map((c) => ({ ...c, record: c.record === null ? null : options.normalise(c.record) })),
    };
    let batches: AsyncIterable<ChangeBatch<T>> = (async function* () {
      yield batch;
    })();
    for (const stage of options.stages) batches = stage(batches);
    const unfiltered = targets.map((t) => ({ ...t, checkpoint: null }));
    const planned: PlannedBatch[] = [];
    for await (const result of transform<T>(options.keys)(route(options.keys, unfiltered)(batches)))
      planned.push(result);
    return {
      ...planned[0],
      operations: planned.flatMap((p) => p.operations),
      deadLetters: planned.flatMap((p) => p.deadLetters),
    };
  };
}

export type Planner = ReturnType<typeof createPlanner<unknown>>;
