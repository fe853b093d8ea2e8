import type { KeyColumn, KeyKind, KeyValue } from './key.types.js';

// UTF-16 sorts surrogates (U+D800–U+DFFF, the halves of code points above U+FFFF) below U+E000–U+FFFF;
// code-point order, which is PostgreSQL's `collate "C"` over UTF-8, puts those code points above them.
const codePointRank = (unit: number) =>
  unit < 0xd800 ? unit : unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;

/** Orders strings by code point, as PostgreSQL orders text `collate "C"` (UTF-8 bytes), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function compareBigints(a: KeyValue, b: KeyValue): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Orders two values of one key column exactly as PostgreSQL's keyset does. */
export function compareKeyValue(kind: KeyKind, a: KeyValue, b: KeyValue): number {
  switch (kind) {
    case 'number':
      return (a as number) - (b as number);
    case 'bigint':
      return compareBigints(a, b);
    // uuids order by their 16 bytes, as their canonical lowercase hex text does (ASCII only).
    case 'uuid':
      return a < b ? -1 : a > b ? 1 : 0;
    case 'text':
      return compareCodePoints(a as string, b as string);
  }
}

/** Orders two keys column by column, as a row comparison `(k1, k2, …)` does in SQL. */
export function compareKeys(
  keys: readonly KeyColumn[],
  a: readonly KeyValue[],
  b: readonly KeyValue[],
): number {
  for (let i = 0; i < keys.length; i++) {
    const order = compareKeyValue(keys[i].kind, a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}
