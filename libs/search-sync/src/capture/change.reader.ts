import { sql } from 'drizzle-orm';
import { queryRows } from '../database/database.type.js';
import type { ReadBound } from '../family/change-capture.interface.js';
import type { SourceChange } from '../family/stage.interface.js';
import type { ChangePosition } from '../keys/change-position.js';
import { documentId } from '../keys/document-id.js';
import type { KeyColumn } from '../keys/key.types.js';
import type { ChangeReader, ReadScope } from '../pipeline/extract.stage.js';
import type { CapturedSource } from './captured.source.js';
import { inScope, rowsAfter, TOMBSTONE_CHANGE_KEY, tombstonesAfter } from './change-position.sql.js';
import { keyOrderSql, keyValueOf, namedKeyColumn } from './key.sql.js';
import { SourceRows } from './source.rows.js';

/**
 * The change stream that extraction reads, with Drizzle: one statement per page of rows (relations
 * loaded in it), one per page of tombstones, both in change order within a read scope.
 */
export class DrizzleChangeReader implements ChangeReader {
  readonly keys: readonly KeyColumn[];
  readonly tombstones: boolean;
  private readonly rows: SourceRows;

  constructor(private readonly source: CapturedSource) {
    this.keys = source.keys;
    this.tombstones = source.tombstones;
    this.rows = new SourceRows(source);
  }

  bound(): Promise<ReadBound> {
    return this.source.capture.bound(this.source.db);
  }

  readRows(after: ChangePosition | null, scope: ReadScope, limit: number): Promise<SourceChange<unknown>[]> {
    const { source } = this;
    const where = sql.join(
      [
        inScope(source, source.capture.orderKey, scope, (upTo) => rowsAfter(source, upTo)),
        ...(after ? [rowsAfter(source, after)] : []),
      ],
      sql` and `,
    );
    return this.rows.select(where, this.rows.changeOrder(), limit);
  }

  async readTombstones(
    after: ChangePosition | null,
    scope: ReadScope,
    upTo: ChangePosition | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { source, keys } = this;
    const conditions = [
      inScope(source, TOMBSTONE_CHANGE_KEY, scope, (position) => tombstonesAfter(source, position)),
    ];
    if (after) conditions.push(tombstonesAfter(source, after));
    if (upTo) conditions.push(sql`not ${tombstonesAfter(source, upTo)}`);
    const rows = await queryRows<Record<string, unknown>>(
      source.db,
      sql`select ${sql.join(
        keys.map((k, i) => sql`${namedKeyColumn(k)} as ${sql.identifier(`k${i}`)}`),
        sql`, `,
      )}, change_key::text as ck, row_version::text as rv
      from ${source.tombstoneTable}
      where ${sql.join(conditions, sql` and `)}
      order by change_key, ${sql.join(keyOrderSql(keys, namedKeyColumn), sql`, `)}
      limit ${limit}`,
    );
    return rows.map((row) => {
      const key = keys.map((k, i) => keyValueOf(k, row[`k${i}`]));
      return {
        id: documentId(key),
        key,
        position: { changeKey: Number(row.ck), key },
        rowVersion: Number(row.rv),
        deleted: true,
        record: null,
      };
    });
  }
}
