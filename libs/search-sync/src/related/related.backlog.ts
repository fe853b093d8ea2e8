import { sql } from 'drizzle-orm';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { type FamilyRelations, pathsParameter, type TableName } from './related.paths.js';
import { sourceName } from './related-capture.migration.js';

/** A family's related changes in status: what waits to re-index its rows, and what it opted out of. */
export interface RelatedStatus {
  /** Related changes recorded and not yet fanned out to the family's rows. */
  readonly waiting: number;
  /** How long the oldest of them has waited, in seconds; null when none waits. */
  readonly oldestSeconds: number | null;
  readonly tracked: readonly string[];
  /** Relations whose changes re-index nothing: their documents drift until content reconcile. */
  readonly optedOut: readonly string[];
}

/** What the related-change queue holds for a family's tracked relations: one indexed read. */
export async function relatedStatus(
  db: SyncExecutor,
  stateSchema: string,
  source: TableName,
  relations: FamilyRelations,
): Promise<RelatedStatus> {
  const tracked = relations.tracked.map((p) => p.path);
  const optedOut = relations.optedOut.map((p) => p.path);
  if (tracked.length === 0) return { waiting: 0, oldestSeconds: null, tracked, optedOut };
  const [row] = await queryRows<{ waiting: number; oldest: number | null }>(
    db,
    sql`select count(*)::int as waiting,
        floor(extract(epoch from now() - min(recorded_at)))::int as oldest
      from ${sql.identifier(stateSchema)}.related_changes
      where source = ${sourceName(source)} and path = any(${pathsParameter(tracked)})`,
  );
  return {
    waiting: row.waiting,
    oldestSeconds: row.oldest === null ? null : Math.max(0, row.oldest),
    tracked,
    optedOut,
  };
}
