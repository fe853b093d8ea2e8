import type { VersionState } from '../state/tables/version.table.js';

/** One difference between the serving version's declaration and the planned one's. */
export interface DefinitionChange {
  /** A field of the mappings (`title`, `author.name`), a mapping option (`(dynamic)`), or a setting. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/** What one version makes of one sampled row. */
export type PlannedSide =
  | { readonly kind: 'document'; readonly document: unknown }
  /** Its filter (or the family's soft delete) leaves the row out: a delete in that version. */
  | { readonly kind: 'left-out' }
  /** Its transform (or a stage) threw on the row: a dead letter in that version. */
  | { readonly kind: 'error'; readonly reason: string };

/** One sampled row, as the serving version indexes it and as the planned one would. */
export interface PlannedSample {
  readonly documentId: string;
  /** Null when nothing serves, or the serving version is not declared any more. */
  readonly serving: PlannedSide | null;
  readonly planned: PlannedSide;
}

/** A sampled document the planned version would not index, and why. */
export interface PlannedRejection {
  readonly documentId: string;
  /** `mapper_parsing_exception` (its mapping refuses the document), a transform's error type, and so on. */
  readonly errorType: string;
  readonly reason: string;
}

/** What a version would do before it exists or goes live: computed without writing any state. */
export interface VersionPlanReport {
  readonly family: string;
  readonly version: number;
  readonly index: string;
  /** Its state if it is registered already (`created` or `backfilling`), else null: only declared. */
  readonly state: VersionState | null;
  readonly serving: { readonly version: number; readonly index: string } | null;
  /** Mapping differences from the serving version's declaration (all `added` when nothing serves). */
  readonly mappings: readonly DefinitionChange[];
  readonly settings: readonly DefinitionChange[];
  readonly documents: {
    /** Rows of the source table now. */
    readonly rows: number;
    /** Rows it would hold as documents: not soft-deleted, passing its filter. */
    readonly documents: number;
    /** Rows its filter (or the family's soft delete) leaves out. */
    readonly leftOut: number;
  };
  /** A few sampled rows side by side: serving version against planned one. */
  readonly samples: readonly PlannedSample[];
  /** The sample bulk-loaded into a trial index with its mappings and settings, deleted afterwards. */
  readonly trial: {
    /** Rows sampled at random across the table (reservoir sampling during the count). */
    readonly sampled: number;
    readonly rejected: readonly PlannedRejection[];
  };
  readonly estimate: BackfillEstimate;
}

/**
 * How long its backfill would take, from rates measured by the plan itself: reading every row (the count
 * does), and transforming and bulk-loading the sample into the trial index. A backfill overlaps reads and
 * writes, so this errs on the long side.
 */
export interface BackfillEstimate {
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly readMsPerRow: number;
  readonly writeMsPerDocument: number;
  readonly basis: string;
}
