import type { KeyColumn, KeyValue } from './key.types.js';

/**
 * How the library's key field (`search_sync.key`) is mapped: a single integer key as a `long`; any
 * other key as a `keyword` whose byte order (Lucene compares UTF-8 bytes) is the key's SQL order, so
 * parity and reconcile select the same key ranges in OpenSearch as in PostgreSQL.
 */
export type KeyFieldType = 'long' | 'keyword';

export function keyFieldType(keys: readonly KeyColumn[]): KeyFieldType {
  return keys.length === 1 && keys[0].kind === 'number' ? 'long' : 'keyword';
}

const INT64_OFFSET = 2n ** 63n;

/**
 * One column's part of the keyword: integers in offset binary as 16 hex digits (fixed width, so text
 * order is numeric order, negatives first); uuids as their fixed-width hex; text as it is (UTF-8 bytes
 * order it by code point, as `collate "C"` does), ended by U+0000 unless last so that a prefix sorts
 * first (PostgreSQL text cannot hold U+0000 itself).
 */
function component(column: KeyColumn, value: KeyValue, last: boolean): string {
  switch (column.kind) {
    case 'number':
    case 'bigint':
      return (BigInt(value) + INT64_OFFSET).toString(16).padStart(16, '0');
    case 'uuid':
      return String(value);
    case 'text':
      return last ? String(value) : `${value}\u0000`;
  }
}

/** The value of the key field for a key: the key itself for a single integer, else the ordered keyword. */
export function keyFieldValue(keys: readonly KeyColumn[], key: readonly KeyValue[]): number | string {
  if (keys.length === 1 && keys[0].kind === 'number') return key[0] as number;
  let value = '';
  for (let i = 0; i < keys.length; i++) value += component(keys[i], key[i], i === keys.length - 1);
  return value;
}
