import { type SQL, sql } from 'drizzle-orm';
import { queryRows } from '../database/database.type.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { CapturedSource } from './captured.source.js';
import { rowsNotApplied, TOMBSTONE_CHANGE_KEY, tombstonesNotApplied } from './change-position.sql.js';

/**
 * How many changes (rows and tombstones) lie past a checkpoint or the horizon, and where the horizon
 * stands: what status, progress and the promotion gate count. One statement per count.
 */
export class ChangeCounter {
  constructor(private readonly source: CapturedSource) {}

  /** The oldest change key that can still change (a transaction in progress). */
  horizon(): Promise<number> {
    return this.source.capture.horizon(this.source.db);
  }

  /**
   * How many changes a version with this checkpoint has not applied (all of them when null): by full
   * position, so changes left inside the checkpoint's own transaction count too, and those of the
   * transactions it left pending. `below` bounds the change key.
   */
  countAfter(after: Checkpoint | null, below?: number): Promise<number> {
    const { source } = this;
    const { capture } = source;
    return this.count(
      [
        after ? rowsNotApplied(source, after) : sql`true`,
        below === undefined ? sql`true` : sql`${capture.orderKey} < ${capture.orderValue(below)}`,
      ],
      [
        after ? tombstonesNotApplied(source, after) : sql`true`,
        below === undefined ? sql`true` : sql`${TOMBSTONE_CHANGE_KEY} < ${below}::bigint`,
      ],
    );
  }

  /** How many changes have a change key at or past `changeKey` (those waiting behind the horizon). */
  countFrom(changeKey: number): Promise<number> {
    const { capture } = this.source;
    return this.count(
      [sql`${capture.orderKey} >= ${capture.orderValue(changeKey)}`],
      [sql`${TOMBSTONE_CHANGE_KEY} >= ${changeKey}::bigint`],
    );
  }

  private async count(rowConditions: SQL[], tombstoneConditions: SQL[]): Promise<number> {
    const { db, source, tombstones, tombstoneTable } = this.source;
    const [row] = await queryRows<{ rows: number; tombstones: number }>(
      db,
      sql`select
        (select count(*)::int from ${source.table} where ${sql.join(rowConditions, sql` and `)}) as rows,
        ${
          tombstones
            ? sql`(select count(*)::int from ${tombstoneTable} where ${sql.join(tombstoneConditions, sql` and `)})`
            : sql`0`
        } as tombstones`,
    );
    return row.rows + row.tombstones;
  }
}
