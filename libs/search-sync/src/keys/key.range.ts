import type { KeyValue } from './key.types.js';

/** The keys after `after` (exclusive) up to `upTo` (inclusive); a null end is open. */
export interface KeyRange {
  readonly after: readonly KeyValue[] | null;
  readonly upTo: readonly KeyValue[] | null;
}

/** Every key there is. */
export const WHOLE_KEY_SPACE: KeyRange = { after: null, upTo: null };

/** A range as people read it in messages: `(after, upTo]` with keys printed as JSON. */
export function describeKeyRange(range: KeyRange): string {
  const key = (k: readonly KeyValue[] | null) =>
    k === null ? null : JSON.stringify(k.length === 1 ? k[0] : k);
  if (!range.after && !range.upTo) return 'every key';
  if (!range.after) return `keys up to ${key(range.upTo)}`;
  if (!range.upTo) return `keys after ${key(range.after)}`;
  return `keys after ${key(range.after)} up to ${key(range.upTo)}`;
}
