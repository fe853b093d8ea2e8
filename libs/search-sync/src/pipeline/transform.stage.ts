import type { SourceChange, Stage } from '../family/stage.interface.js';
import { keyFieldValue } from '../keys/key.field.js';
import type { KeyColumn } from '../keys/key.types.js';
import { deadLetterRecord } from './dead-letter.record.js';
import type { DeadLetterRecord, IndexOperation, PlannedBatch, VersionTarget } from './pipeline.interface.js';
import type { RoutedBatch } from './route.stage.js';

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Turns each routed change into the version's document operation. A row the version's filter rejects
 * (or a deleted row) becomes a delete there; a transform or filter that throws becomes a dead letter
 * for that row and version, and the batch goes on.
 */
export function transform<T>(keys: readonly KeyColumn[]): Stage<RoutedBatch<T>, PlannedBatch> {
  return async function* (batches) {
    for await (const batch of batches) {
      const operations: IndexOperation[] = [];
      const deadLetters: DeadLetterRecord[] = [];
      for (const { target, changes } of batch.routes) {
        for (const change of changes) {
          const planned = plan(keys, target, change);
          if ('errorType' in planned) deadLetters.push(planned);
          else operations.push(planned);
        }
      }
      yield {
        sequence: batch.sequence,
        end: batch.end,
        pending: batch.pending,
        changeCount: batch.changes.length,
        versions: batch.routes.map((r) => r.target.version),
        operations,
        deadLetters,
      };
    }
  };
}

function plan<T>(
  keys: readonly KeyColumn[],
  target: VersionTarget<T>,
  change: SourceChange<T>,
): IndexOperation | DeadLetterRecord {
  const { record } = change;
  let action: IndexOperation['action'] = 'delete';
  let document: unknown;
  let stage = 'filter';
  try {
    if (!change.deleted && record !== null && (!target.filter || target.filter(record))) {
      stage = 'transform';
      document = target.transform(record);
      action = 'index';
    }
  } catch (error) {
    const op = {
      version: target.version,
      id: change.id,
      action: 'index',
      rowVersion: change.rowVersion,
    } as const;
    return deadLetterRecord(op, `${stage}_error`, describe(error), null, 1);
  }
  // One object of one shape per operation: a delete carries no document.
  return {
    version: target.version,
    index: target.index,
    id: change.id,
    action,
    rowVersion: change.rowVersion,
    document,
    keyField: action === 'index' ? keyFieldValue(keys, change.key) : undefined,
  };
}
