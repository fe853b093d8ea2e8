import type { ChangeBatch, SourceChange, Stage } from '../family/stage.interface.js';
import { isAfterCheckpoint } from '../keys/change-position.js';
import type { KeyColumn } from '../keys/key.types.js';
import type { VersionTarget } from './pipeline.interface.js';

/** A batch with, for every version, the changes that version has not applied yet. */
export interface RoutedBatch<T> extends ChangeBatch<T> {
  readonly routes: readonly {
    readonly target: VersionTarget<T>;
    readonly changes: readonly SourceChange<T>[];
  }[];
}

/**
 * Version-aware filtering: versions read together from the lowest checkpoint of their group, so each
 * one drops the changes at or before its own checkpoint, except those of transactions it left pending.
 */
export function route<T>(
  keys: readonly KeyColumn[],
  targets: readonly VersionTarget<T>[],
): Stage<ChangeBatch<T>, RoutedBatch<T>> {
  return async function* (batches) {
    for await (const batch of batches) {
      const routes = targets.map((target) => {
        const { checkpoint } = target;
        const changes = checkpoint
          ? batch.changes.filter((change) => isAfterCheckpoint(keys, change.position, checkpoint))
          : batch.changes;
        return { target, changes };
      });
      yield { ...batch, routes };
    }
  };
}
