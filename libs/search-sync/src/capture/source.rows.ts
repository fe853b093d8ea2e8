import { asc, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SourceChange } from '../family/stage.interface.js';
import type { Checkpoint } from '../keys/change-position.js';
import { documentId } from '../keys/document-id.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyValue } from '../keys/key.types.js';
import type { CapturedSource } from './captured.source.js';
import { rowsNotApplied } from './change-position.sql.js';
import { keyOrderSql, keyRangeSql, keyValueOf, keyValueSql, tableKeyColumn, tupleSql } from './key.sql.js';

/** A selected row with the extras a read adds (absent when the row holds them, or there is no soft delete). */
type ExtractedRow = Record<string, unknown> & {
  __ck?: string | number;
  __rv?: string | number;
  __del?: boolean;
};

/**
 * Source rows as changes: one statement per read, with the family's relations loaded in it (a Drizzle
 * relational query) and each row's change key, row version and soft-delete flag. The change stream
 * pages through them in change order; replay, reconcile and the definition sample read them by key.
 */
export class SourceRows {
  constructor(private readonly source: CapturedSource) {}

  /** Rows matching `where`, in `orderBy` order, at most `limit`, as changes. */
  async select(where: SQL, orderBy: SQL[], limit: number): Promise<SourceChange<unknown>[]> {
    const { db, source, relationalName } = this.source;
    const extras = this.extras();
    const withExtras = Object.keys(extras).length > 0;
    let rows: unknown[];
    if (relationalName) {
      const query = (db.query as Record<string, { findMany(config: unknown): Promise<unknown[]> }>)[
        relationalName
      ];
      rows = await query.findMany({ where, orderBy, limit, with: this.source.with, extras });
    } else {
      rows = await db
        .select({ ...getTableColumns(source.table), ...extras })
        .from(source.table)
        .where(where)
        .orderBy(...orderBy)
        .limit(limit);
    }
    return (rows as ExtractedRow[]).map((row) => this.toChange(row, withExtras));
  }

  /** The change order as an ORDER BY list: change key, then key. */
  changeOrder(): SQL[] {
    return [asc(this.source.capture.orderKey as PgColumn), ...keyOrderSql(this.source.keys, tableKeyColumn)];
  }

  /**
   * Rows whose key lies in `range`, in key order, at most `limit` after the key `after`: what reconcile
   * compares, the definition sample takes and partitions read. Soft-deleted rows come back marked as
   * deleted. With `appliedAt`, only rows a version at that checkpoint has applied: a partition reads the
   * rows as they stood at its watermark, and leaves those written since to the stream from there.
   */
  readKeyRange(
    range: KeyRange,
    after: readonly KeyValue[] | null,
    limit: number,
    appliedAt?: Checkpoint,
  ): Promise<SourceChange<unknown>[]> {
    const { keys } = this.source;
    const where = sql.join(
      [
        keyRangeSql(keys, tableKeyColumn, range),
        ...(after ? [tupleSql(keys, tableKeyColumn, '>', after)] : []),
        ...(appliedAt ? [sql`not ${rowsNotApplied(this.source, appliedAt)}`] : []),
      ],
      sql` and `,
    );
    return this.select(where, keyOrderSql(keys, tableKeyColumn), limit);
  }

  /** The current rows of these keys, whatever their change key (replay re-reads the source, never a copy). */
  async readKeys(keys: readonly (readonly KeyValue[])[]): Promise<SourceChange<unknown>[]> {
    if (keys.length === 0) return [];
    const columns = this.source.keys;
    const tuples = keys.map(
      (key) =>
        sql`(${sql.join(
          columns.map((k, i) => keyValueSql(k, key[i])),
          sql`, `,
        )})`,
    );
    const where = sql`(${sql.join(
      columns.map((k) => sql`${k.column}`),
      sql`, `,
    )}) in (${sql.join(tuples, sql`, `)})`;
    return this.select(where, this.changeOrder(), keys.length);
  }

  /**
   * What every read selects besides the row: its change key and row version unless the row holds them
   * already (exact capture), and whether it is soft-deleted when the family says how to tell.
   */
  private extras(): Record<string, SQL.Aliased> {
    const { capture, softDelete } = this.source;
    return {
      ...(capture.rowProperties
        ? {}
        : {
            __ck: sql`${capture.changeKey}::text`.as('__ck'),
            __rv: sql`${capture.rowVersion}::text`.as('__rv'),
          }),
      ...(softDelete ? { __del: sql`coalesce((${softDelete}), false)`.as('__del') } : {}),
    };
  }

  /** The row as a change; a row read with extras is copied without them (the transforms never see them). */
  private toChange(row: ExtractedRow, withExtras: boolean): SourceChange<unknown> {
    const { __ck, __rv, __del } = row;
    const record = withExtras ? withoutExtras(row) : row;
    const own = this.source.capture.rowProperties;
    const key = this.source.keys.map((k) => keyValueOf(k, record[k.property]));
    return {
      id: documentId(key),
      key,
      position: { changeKey: Number(own ? record[own.changeKey] : __ck), key },
      rowVersion: Number(own ? record[own.rowVersion] : __rv),
      deleted: __del === true,
      record,
    };
  }
}

function withoutExtras(row: ExtractedRow): Record<string, unknown> {
  const { __ck, __rv, __del, ...record } = row;
  return record;
}
