import type { PgColumn } from 'drizzle-orm/pg-core';

/** How a key column's values compare, so JavaScript orders positions exactly as PostgreSQL does. */
export type KeyKind = 'number' | 'bigint' | 'text' | 'uuid';

/** One key column of a source: the Drizzle column, its names, and how its values compare and cast. */
export interface KeyColumn {
  readonly column: PgColumn;
  /** The column's property name on rows Drizzle returns. */
  readonly property: string;
  readonly name: string;
  /** The SQL type used to cast stored key values back (checkpoints keep keys as JSON). */
  readonly sqlType: string;
  readonly kind: KeyKind;
}

/** Key values as they travel through JSON: bigint keys are decimal strings. */
export type KeyValue = number | string;
