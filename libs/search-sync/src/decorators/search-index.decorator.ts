import { SetMetadata } from '@nestjs/common';
import type { SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { BackfillOptions } from '../family/backfill-options.interface.js';
import type { ChangeCapture } from '../family/change-capture.interface.js';
import type { FamilyRefresh } from '../family/family.definition.js';
import type { ChangeBatch, Stage } from '../family/stage.interface.js';
import { SEARCH_INDEX_METADATA } from '../search-sync.constants.js';

/** When a family runs by itself: every N milliseconds, or on a cron expression (seconds allowed). */
export type SearchIndexSchedule =
  | { readonly every: number }
  | { readonly cron: string; readonly timeZone?: string };

export interface SearchIndexOptions<TRow = any, TDto = TRow> {
  /** The Drizzle table that feeds the family. */
  readonly source: PgTable;
  /** Relations loaded with each row in the same SQL statement (Drizzle relational `with`). */
  readonly with?: Record<string, unknown>;
  /** Relations whose changes do not re-index the rows embedding them (`{ 'tags.tag': false }`). */
  readonly reindexOnUpdate?: Readonly<Record<string, boolean>>;
  /** Key columns; the table's primary key by default. */
  readonly key?: readonly PgColumn[];
  /** Exact capture by default; `timestampCapture(...)` for tables that cannot be altered. */
  readonly capture?: ChangeCapture;
  /** Rows matching it are deletes in every version, e.g. `isNotNull(products.deletedAt)`. */
  readonly softDelete?: SQL;
  /** The row (with relations) to the DTO that the version methods receive. */
  readonly normalise?: (row: TRow) => TDto;
  /** Extra stages between normalise and transform (enrichment, masking, embeddings). */
  readonly stages?: readonly Stage<ChangeBatch<TDto>, ChangeBatch<TDto>>[];
  readonly schedule?: SearchIndexSchedule;
  /**
   * Run the family as soon as a change to its table commits (exact capture; the module's
   * `wakeOnCommit` by default). The schedule stays as the safety net.
   */
  readonly wakeOnCommit?: boolean;
  /**
   * How new versions backfill; overrides the module's `backfill`. `{ partitioned: true }` shares a new
   * version's backfill between every instance running the module, by key ranges claimed through Postgres.
   */
  readonly backfill?: BackfillOptions;
  /**
   * `'after-run'`: a run that wrote to the caught-up versions refreshes their indexes before it returns,
   * so a write is searchable a moment after its commit instead of at the next periodic refresh.
   */
  readonly refresh?: FamilyRefresh;
}

export interface SearchIndexMetadata extends SearchIndexOptions {
  /** The family name, also its alias. */
  readonly name: string;
}

/**
 * Declares an index family on a provider class; its `@IndexVersion` methods are the versions.
 * `@SearchIndex('products', { source: products, with: { category: true }, schedule: { every: 5000 } })`
 */
export function SearchIndex<TRow = any, TDto = TRow>(
  name: string,
  options: SearchIndexOptions<TRow, TDto>,
): ClassDecorator;
export function SearchIndex<TRow = any, TDto = TRow>(
  options: SearchIndexOptions<TRow, TDto> & { name: string },
): ClassDecorator;
export function SearchIndex(
  nameOrOptions: string | (SearchIndexOptions & { name: string }),
  options?: SearchIndexOptions,
): ClassDecorator {
  const metadata: SearchIndexMetadata =
    typeof nameOrOptions === 'string'
      ? { ...(options as SearchIndexOptions), name: nameOrOptions }
      : nameOrOptions;
  return SetMetadata(SEARCH_INDEX_METADATA, metadata);
}
