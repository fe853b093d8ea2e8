import type { DeadLetterRecord, IndexOperation } from './pipeline.interface.js';

/** The operation a dead letter is recorded for: the document is absent when the transform never made one. */
export type FailedOperation = Pick<IndexOperation, 'version' | 'id' | 'action' | 'rowVersion' | 'document'>;

/** The dead letter of one failed operation, whichever stage failed it (transform, serialising, loading). */
export function deadLetterRecord(
  op: FailedOperation,
  errorType: string,
  reason: string,
  statusCode: number | null,
  attempts: number,
): DeadLetterRecord {
  return {
    version: op.version,
    documentId: op.id,
    operation: op.action,
    document: op.document ?? null,
    errorType,
    reason,
    statusCode,
    attempts,
    rowVersion: op.rowVersion,
  };
}

/**
 * The one key of a document in one version (`version:documentId`), as dead letters and the operations
 * that resolve them are matched by it.
 */
export const documentKey = (version: number, documentId: string): string => `${version}:${documentId}`;
