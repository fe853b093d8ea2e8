import type { KeyColumn, KeyKind } from '../family/sync-source.js';

/** Where a change sits in the change order: `(change key, primary key)`. */
export interface ChangePosition {
  readonly changeKey: number;
  readonly key: readonly KeyValue[];
}

/** Key values as they travel through JSON: bigint keys are decimal strings. */
export type KeyValue = number | string;

function compareKeyValue(kind: KeyKind, a: KeyValue, b: KeyValue): number {
  switch (kind) {
    case 'number':
      return (a as number) - (b as number);
    case 'bigint': {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    // Text keys are ordered with COLLATE "C" in SQL (byte order), which code-point order matches;
    // uuids order by their bytes, which their canonical lowercase text also matches.
    default:
      return a < b ? -1 : a > b ? 1 : 0;
  }
}

/** Orders positions exactly as the SQL keyset does, so batches can be cut and versions skipped in memory. */
export function comparePositions(keys: readonly KeyColumn[], a: ChangePosition, b: ChangePosition): number {
  if (a.changeKey !== b.changeKey) return a.changeKey < b.changeKey ? -1 : 1;
  for (let i = 0; i < keys.length; i++) {
    const order = compareKeyValue(keys[i].kind, a.key[i], b.key[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/** The document id of a key: the value itself, or the values joined with ':' for composite keys. */
export function documentId(key: readonly KeyValue[]): string {
  return key.length === 1 ? String(key[0]) : key.map(String).join(':');
}
