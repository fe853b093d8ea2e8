import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';

/**
 * SQL for keys, in the one order the library uses everywhere (the same as `keys/key.order.ts` in
 * JavaScript): text `collate "C"` (code points), uuids by bytes, integers by value, composite keys
 * column by column as a row comparison.
 */

/** A key value as a typed SQL parameter (stored keys travel as JSON text or numbers). */
export const keyValueSql = (key: KeyColumn, value: KeyValue): SQL =>
  key.kind === 'text' ? sql`(${value}::text collate "C")` : sql`${value}::${sql.raw(key.sqlType)}`;

/** A key column (or expression) as it is ordered. */
export const orderedKeySql = (key: KeyColumn, column: SQL | PgColumn): SQL =>
  key.kind === 'text' ? sql`(${column} collate "C")` : sql`${column}`;

export type KeyColumnSql = (key: KeyColumn) => SQL | PgColumn;

/** The source table's own key columns. */
export const tableKeyColumn: KeyColumnSql = (key) => key.column;
/** A state table's copy of the key (tombstones), by column name. */
export const namedKeyColumn: KeyColumnSql = (key) => sql`${sql.identifier(key.name)}`;

/** `(leading…, k1, k2, …) <op> (leadingValues…, v1, v2, …)`: a row comparison, as the keyset index orders. */
export function tupleSql(
  keys: readonly KeyColumn[],
  column: KeyColumnSql,
  op: '>' | '<=',
  key: readonly KeyValue[],
  leading?: { readonly column: SQL | PgColumn; readonly value: SQL },
): SQL {
  const left = keys.map((k) => orderedKeySql(k, column(k)));
  const right = keys.map((k, i) => keyValueSql(k, key[i]));
  if (leading) {
    left.unshift(sql`${leading.column}`);
    right.unshift(leading.value);
  }
  return sql`(${sql.join(left, sql`, `)}) ${sql.raw(op)} (${sql.join(right, sql`, `)})`;
}

/** The key columns as an ORDER BY list. */
export const keyOrderSql = (keys: readonly KeyColumn[], column: KeyColumnSql): SQL[] =>
  keys.map((k) => orderedKeySql(k, column(k)));

/** The keys of `range`: `true` for the whole key space. */
export function keyRangeSql(keys: readonly KeyColumn[], column: KeyColumnSql, range: KeyRange): SQL {
  const bounds = [
    ...(range.after ? [tupleSql(keys, column, '>', range.after)] : []),
    ...(range.upTo ? [tupleSql(keys, column, '<=', range.upTo)] : []),
  ];
  return bounds.length === 0 ? sql`true` : sql.join(bounds, sql` and `);
}

/** A key as the JSON array a state table stores (a watermark's, a partition's bounds and cursor), or null. */
export const keyJsonSql = (key: readonly KeyValue[] | null): SQL =>
  key === null ? sql`null` : sql`${JSON.stringify(key)}::jsonb`;

/**
 * A key stored as a JSON array (a checkpoint's, a partition's bounds and cursor) as its typed values,
 * comma-separated, in the key's order: `(${storedKeySql(keys, a)}) < (${storedKeySql(keys, b)})` compares
 * two stored keys as the source's keyset does.
 */
export const storedKeySql = (keys: readonly KeyColumn[], json: SQL): SQL =>
  sql.join(
    keys.map((k, i) =>
      k.kind === 'text'
        ? sql`((${json}->>${sql.raw(String(i))}) collate "C")`
        : sql`(${json}->>${sql.raw(String(i))})::${sql.raw(k.sqlType)}`,
    ),
    sql`, `,
  );

/** A key value as postgres.js returns it (bigints and uuids as text), in the form positions hold. */
export const keyValueOf = (key: KeyColumn, value: unknown): KeyValue =>
  key.kind === 'number' ? Number(value) : String(value);
