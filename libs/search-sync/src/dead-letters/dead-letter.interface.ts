import type { OperationAction } from '../pipeline/pipeline.interface.js';

/** A stored dead letter, as `listDeadLetters` returns it. */
export interface DeadLetter {
  readonly id: number;
  readonly family: string;
  readonly version: number;
  readonly documentId: string;
  readonly operation: OperationAction;
  readonly document: unknown;
  readonly errorType: string;
  readonly reason: string;
  readonly statusCode: number | null;
  readonly attempts: number;
  readonly rowVersion: number;
  readonly firstFailedAt: Date;
  readonly lastFailedAt: Date;
  readonly resolvedAt: Date | null;
}

export interface DeadLetterQuery {
  readonly family: string;
  readonly version?: number;
  /** Resolved dead letters are left out unless asked for. */
  readonly includeResolved?: boolean;
  readonly ids?: readonly number[];
  readonly limit?: number;
}
