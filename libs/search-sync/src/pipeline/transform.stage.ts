import type {
  DeadLetterRecord,
  IndexOperation,
  PlannedBatch,
  SourceChange,
  Stage,
  VersionTarget,
} from './pipeline.interface.js';
import type { RoutedBatch } from './route.stage.js';

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Turns each routed change into the version's document operation. A row the version's filter rejects
 * (or a deleted row) becomes a delete there; a transform or filter that throws becomes a dead letter
 * for that row and version, and the batch goes on.
 */
export function transform<T>(): Stage<RoutedBatch<T>, PlannedBatch> {
  return async function* (batches) {
    for await (const batch of batches) {
      const operations: IndexOperation[] = [];
      const deadLetters: DeadLetterRecord[] = [];
      for (const { target, changes } of batch.routes) {
        for (const change of changes) {
          const planned = plan(target, change);
          if ('errorType' in planned) deadLetters.push(planned);
          else operations.push(planned);
        }
      }
      yield {
        sequence: batch.sequence,
        end: batch.end,
        changeCount: batch.changes.length,
        versions: batch.routes.map((r) => r.target.version),
        operations,
        deadLetters,
      };
    }
  };
}

function plan<T>(target: VersionTarget<T>, change: SourceChange<T>): IndexOperation | DeadLetterRecord {
  const numericKey = change.key.length === 1 && typeof change.key[0] === 'number' ? change.key[0] : undefined;
  const base = {
    version: target.version,
    index: target.index,
    id: change.id,
    rowVersion: change.rowVersion,
    numericKey,
  };
  const record = change.record;
  if (change.deleted || record === null) return { ...base, action: 'delete' };
  let stage = 'filter';
  try {
    if (target.filter && !target.filter(record)) return { ...base, action: 'delete' };
    stage = 'transform';
    return { ...base, action: 'index', document: target.transform(record) };
  } catch (error) {
    return {
      version: target.version,
      documentId: change.id,
      operation: 'index',
      document: null,
      errorType: `${stage}_error`,
      reason: describe(error),
      statusCode: null,
      attempts: 1,
      rowVersion: change.rowVersion,
    };
  }
}
