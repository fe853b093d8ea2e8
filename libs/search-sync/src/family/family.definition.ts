import type { SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { BackfillOptions } from './backfill-options.interface.js';
import type { ChangeCapture } from './change-capture.interface.js';
import type { ChangeBatch, Stage } from './stage.interface.js';

/** A JSON object document (an interface or a record); transforms must return one. */
export type SearchDocument = object;

/** When a family's writes become searchable (see `FamilyDefinition.refresh`). */
export type FamilyRefresh = 'interval' | 'after-run';

/** One physical index of a family: its own mappings, settings, filter and transform. */
export interface VersionDefinition<TDto, TDocument extends SearchDocument = SearchDocument> {
  readonly version: number;
  /** Defaults to `<family>_v<version>`. */
  readonly index?: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
  /** Rows it rejects are deletes in this version. */
  readonly filter?: (dto: TDto) => boolean;
  readonly transform: (dto: TDto) => TDocument;
  /**
   * The source text the definition hash uses for the transform, when `transform` is a wrapper (a bound
   * decorated method, say) whose own text says nothing about what it does.
   */
  readonly transformSource?: string;
}

/** A logical index fed by one Drizzle table (and its relations), in several versions. */
export interface FamilyDefinition<TDto = any> {
  /** The family name, also the name of its alias. */
  readonly name: string;
  readonly table: PgTable;
  /** Defaults to the table's primary key. */
  readonly key?: readonly PgColumn[];
  /** Drizzle relational `with`, loaded in the same SQL statement as the rows. */
  readonly with?: Record<string, unknown>;
  /**
   * Relations (by path in `with`, e.g. `tags` or `tags.tag`) whose changes should not re-index the rows
   * that embed them: `{ 'tags.tag': false }` for a relation with a huge fan-out. Those rows then drift
   * until reconcile or a new version. All relations are tracked by default (exact capture).
   */
  readonly reindexOnUpdate?: Readonly<Record<string, boolean>>;
  /** Defaults to exact capture. */
  readonly capture?: ChangeCapture;
  /** Rows matching this predicate are deletes in every version, e.g. `isNotNull(products.deletedAt)`. */
  readonly softDelete?: SQL;
  /** Row (with relations) to the DTO the transforms see; defaults to the row itself. */
  readonly normalise?: (row: any) => TDto;
  /** Extra stages between normalise and transform, in order. */
  readonly stages?: readonly Stage<ChangeBatch<TDto>, ChangeBatch<TDto>>[];
  readonly versions: readonly VersionDefinition<TDto, any>[];
  /** How new versions backfill; overrides the module's (or `SyncOptions`') `backfill`. */
  readonly backfill?: BackfillOptions;
  /**
   * When what a run syncs becomes searchable. `'interval'` (the default): at the index's next periodic
   * refresh (OpenSearch's `refresh_interval`, 1 s unless declared). `'after-run'`: a run that wrote to the
   * caught-up versions refreshes their indexes before it returns, so with wake on commit a write is
   * searchable a moment after its commit. A refresh per run that wrote: for modest write rates, as
   * OpenSearch's `refresh=true` is. Backfills never refresh per run.
   */
  readonly refresh?: FamilyRefresh;
}
