import type { ChangeBatch, Stage } from '../family/stage.interface.js';

/** Turns each extracted row (with its relations) into the family's DTO; deletes carry no row. */
export function normalise<T>(toDto: (row: any) => T): Stage<ChangeBatch<unknown>, ChangeBatch<T>> {
  return async function* (batches) {
    for await (const batch of batches) {
      yield {
        ...batch,
        changes: batch.changes.map((change) => ({
          ...change,
          record: change.record === null ? null : toDto(change.record),
        })),
      };
    }
  };
}
