import type { DeadLetterRecord } from '../pipeline/pipeline.interface.js';

/** A stored dead letter, as `listDeadLetters` returns it: the record, where it is kept and since when. */
export interface DeadLetter extends DeadLetterRecord {
  readonly id: number;
  readonly family: string;
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
