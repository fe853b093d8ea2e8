import type { DeadLetterRecord, OperationAction } from '../pipeline/pipeline.interface.js';
import type { OperationCount, OperationResult } from './sync-event.interface.js';

/** Counts operations by version, action and result while a load goes, for one `operations` event. */
export class OperationTally {
  private readonly counts = new Map<string, { -readonly [K in keyof OperationCount]: OperationCount[K] }>();

  add(version: number, action: OperationAction, result: OperationResult): void {
    const key = `${version}:${action}:${result}`;
    const count = this.counts.get(key);
    if (count) count.count++;
    else this.counts.set(key, { version, action, result, count: 1 });
  }

  addDeadLetters(deadLetters: readonly DeadLetterRecord[]): void {
    for (const letter of deadLetters) this.add(letter.version, letter.operation, 'dead_letter');
  }

  toArray(): OperationCount[] {
    return [...this.counts.values()];
  }
}
