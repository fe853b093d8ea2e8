import { asc, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SyncDatabase } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { KeyColumn, SyncSource } from '../family/sync-source.js';
import { type ChangePosition, documentId, type KeyValue } from '../pipeline/change-position.js';
import type { ChangeReader } from '../pipeline/extract.stage.js';
import type { SourceChange } from '../pipeline/pipeline.interface.js';
import { tombstoneTableName } from './change-capture.migration.js';
import type { BoundChangeCapture, ChangeCapture } from './change-capture.mode.js';

export interface ChangeReaderOptions {
  readonly family: string;
  readonly source: SyncSource;
  readonly capture: ChangeCapture;
  readonly stateSchema: string;
  /** Relations to load with each row, in the same SQL statement (a Drizzle relational query). */
  readonly with?: Record<string, unknown>;
  /** Rows matching it are deletes in every version (soft delete). */
  readonly softDelete?: SQL;
}

/** A selected row with the extras a read adds (absent when the row holds them, or there is no soft delete). */
type ExtractedRow = Record<string, unknown> & {
  __ck?: string | number;
  __rv?: string | number;
  __del?: boolean;
};

const castKey = (key: KeyColumn, value: KeyValue) =>
  key.kind === 'text' ? sql`(${value}::text collate "C")` : sql`${value}::${sql.raw(key.sqlType)}`;
const orderedKey = (key: KeyColumn, column: SQL | PgColumn) =>
  key.kind === 'text' ? sql`(${column} collate "C")` : sql`${column}`;

/** Reads a source's changes with Drizzle: one statement per page of rows, one per page of tombstones. */
export class DrizzleChangeReader implements ChangeReader {
  readonly keys: readonly KeyColumn[];
  readonly tombstones: boolean;
  private readonly capture: BoundChangeCapture;
  private readonly relationalName: string | undefined;
  private readonly tombstoneTable: SQL;

  constructor(
    private readonly db: SyncDatabase,
    private readonly options: ChangeReaderOptions,
  ) {
    const { source, family } = options;
    this.keys = source.keys;
    this.tombstones = options.capture.tombstones;
    this.capture = options.capture.bind(family, source);
    this.tombstoneTable = sql`${sql.identifier(options.stateSchema)}.${sql.identifier(tombstoneTableName(source))}`;
    if (options.with) {
      const schema = (
        db as unknown as { _: { schema?: Record<string, { dbName: string; schema?: string }> } }
      )._.schema;
      this.relationalName = Object.entries(schema ?? {}).find(
        ([, table]) => table.dbName === source.name && (table.schema ?? 'public') === source.schema,
      )?.[0];
      if (!this.relationalName) {
        throw SearchSyncConfigurationError.family(
          family,
          `relations are requested but table "${source.name}" is not in the schema given to drizzle(): ` +
            'pass { schema } with the table and its relations.',
        );
      }
    }
  }

  horizon(): Promise<number> {
    return this.capture.horizon(this.db);
  }

  async readRows(
    after: ChangePosition | null,
    horizon: number,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { capture, keys } = this;
    const where = sql.join(
      [
        sql`${capture.orderKey} < ${capture.orderValue(horizon)}`,
        ...(after
          ? [this.after(capture.orderKey, capture.orderValue(after.changeKey), (k) => k.column, after)]
          : []),
      ],
      sql` and `,
    );
    const orderBy = [asc(capture.orderKey as PgColumn), ...keys.map((k) => orderedKey(k, k.column))];
    const rows = (await this.query(where, orderBy, limit, this.extras())) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  async readTombstones(
    after: ChangePosition | null,
    horizon: number,
    upTo: ChangePosition | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { keys } = this;
    const column = (k: KeyColumn) => sql`${sql.identifier(k.name)}`;
    const conditions = [sql`change_key < ${horizon}::bigint`];
    if (after) conditions.push(this.after(sql`change_key`, sql`${after.changeKey}::bigint`, column, after));
    if (upTo) {
      conditions.push(
        sql`(change_key, ${sql.join(
          keys.map((k) => orderedKey(k, column(k))),
          sql`, `,
        )}) <= (${upTo.changeKey}::bigint, ${sql.join(
          keys.map((k, i) => castKey(k, upTo.key[i])),
          sql`, `,
        )})`,
      );
    }
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      sql`select ${sql.join(
        keys.map((k, i) => sql`${column(k)} as ${sql.identifier(`k${i}`)}`),
        sql`, `,
      )}, change_key::text as ck, row_version::text as rv
      from ${this.tombstoneTable}
      where ${sql.join(conditions, sql` and `)}
      order by change_key, ${sql.join(
        keys.map((k) => orderedKey(k, column(k))),
        sql`, `,
      )}
      limit ${limit}`,
    );
    return rows.map((row) => {
      const key = keys.map((k, i) => this.keyValue(k, row[`k${i}`]));
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

  /**
   * How many changes lie after `after` (all of them when null), counted by change key only: an estimate
   * that is exact except within the checkpoint's own transaction. `below` bounds it (the horizon).
   */
  async countAfter(after: ChangePosition | null, below?: number): Promise<number> {
    const { capture, options } = this;
    const conditions = [
      after ? sql`${capture.orderKey} > ${capture.orderValue(after.changeKey)}` : sql`true`,
      below === undefined ? sql`true` : sql`${capture.orderKey} < ${capture.orderValue(below)}`,
    ];
    const tombstoneConditions = [
      after ? sql`change_key > ${after.changeKey}::bigint` : sql`true`,
      below === undefined ? sql`true` : sql`change_key < ${below}::bigint`,
    ];
    const [row] = await queryRows<{ rows: number; tombstones: number }>(
      this.db,
      sql`select
        (select count(*)::int from ${options.source.table} where ${sql.join(conditions, sql` and `)}) as rows,
        ${
          this.tombstones
            ? sql`(select count(*)::int from ${this.tombstoneTable} where ${sql.join(tombstoneConditions, sql` and `)})`
            : sql`0`
        } as tombstones`,
    );
    return row.rows + row.tombstones;
  }

  /**
   * Rows whose single integer key lies in [from, to], in key order, at most `limit` after `after`: what
   * reconcile compares. Soft-deleted rows come back marked as deleted.
   */
  async readKeyRange(
    from: number,
    to: number,
    after: number | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const [key] = this.keys;
    const conditions = [sql`${key.column} between ${from}::bigint and ${to}::bigint`];
    if (after !== null) conditions.push(sql`${key.column} > ${after}::bigint`);
    const rows = (await this.query(
      sql.join(conditions, sql` and `),
      [asc(key.column)],
      limit,
      this.extras(),
    )) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  /**
   * Per range of a single integer key: how many live rows and the sum of their row versions, in one
   * statement. `ranges` are [from, to] pairs, inclusive.
   */
  async rangeStats(
    ranges: readonly (readonly [number, number])[],
    below?: number,
  ): Promise<{ count: number; sum: number }[]> {
    const [key] = this.keys;
    const { capture, options } = this;
    const live = sql.join(
      [
        options.softDelete ? sql`not coalesce((${options.softDelete}), false)` : sql`true`,
        below === undefined ? sql`true` : sql`${capture.orderKey} < ${capture.orderValue(below)}`,
      ],
      sql` and `,
    );
    const values = sql.join(
      ranges.map(([from, to], i) => sql`(${i}::int, ${from}::bigint, ${to}::bigint)`),
      sql`, `,
    );
    const rows = await queryRows<{ i: number; count: number; sum: string }>(
      this.db,
      sql`select r.i, count(${key.column})::int as count, coalesce(sum(${capture.rowVersion}), 0)::text as sum
        from (values ${values}) as r(i, lo, hi)
        left join ${options.source.table} on ${key.column} between r.lo and r.hi and ${live}
        group by r.i order by r.i`,
    );
    return rows.map((row) => ({ count: row.count, sum: Number(row.sum) }));
  }

  /** Document ids of rows and tombstones with a change key at or past `changeKey`. */
  async changedSince(changeKey: number, [from, to]: readonly [number, number]): Promise<Set<string>> {
    const { capture, options } = this;
    const [key] = this.keys;
    const tombstoneKey = sql.identifier(key.name);
    const rows = await queryRows<{ id: string }>(
      this.db,
      sql`select ${key.column}::text as id from ${options.source.table}
        where ${capture.orderKey} >= ${capture.orderValue(changeKey)}
          and ${key.column} between ${from}::bigint and ${to}::bigint
        ${
          this.tombstones
            ? sql`union select ${tombstoneKey}::text from ${this.tombstoneTable}
                where change_key >= ${changeKey}::bigint and ${tombstoneKey} between ${from}::bigint and ${to}::bigint`
            : sql``
        }`,
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Deletes the tombstones every version of every family has applied: those below the lowest checkpoint
   * of all versions not retired (one with no checkpoint yet counts as 0, so nothing goes while it may have
   * loaded documents it has not recorded). Other families may read this table too, hence all of them.
   */
  async pruneTombstones(): Promise<number> {
    if (!this.tombstones) return 0;
    const state = sql.identifier(this.options.stateSchema);
    const rows = await queryRows<{ pruned: number }>(
      this.db,
      sql`with pruned as (
        delete from ${this.tombstoneTable} where change_key < (
          select coalesce(min(coalesce(c.change_key, 0)), 0) from ${state}.versions v
          left join ${state}.checkpoints c on c.family = v.family and c.version = v.version
          where v.state <> 'retired')
        returning 1)
      select count(*)::int as pruned from pruned`,
    );
    return rows[0]?.pruned ?? 0;
  }

  /** Runs `read` with a reader on one repeatable-read snapshot, so several statements see the same data. */
  snapshot<T>(read: (reader: DrizzleChangeReader) => Promise<T>): Promise<T> {
    return this.db.transaction(
      (tx) => read(new DrizzleChangeReader(tx as unknown as SyncDatabase, this.options)),
      {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      },
    );
  }

  /** The smallest and largest single integer key. */
  async keySpan(): Promise<{ min: number; max: number } | null> {
    const [key] = this.keys;
    const [row] = await queryRows<{ min: number | null; max: number | null }>(
      this.db,
      sql`select min(${key.column})::bigint as min, max(${key.column})::bigint as max from ${this.options.source.table}`,
    );
    return row.min === null || row.max === null ? null : { min: Number(row.min), max: Number(row.max) };
  }

  /** The current rows of these keys, whatever their change key (replay re-reads the source, never a copy). */
  async readKeys(keys: readonly (readonly KeyValue[])[]): Promise<SourceChange<unknown>[]> {
    if (keys.length === 0) return [];
    const { capture } = this;
    const columns = sql.join(
      this.keys.map((k) => sql`${k.column}`),
      sql`, `,
    );
    const tuples = sql.join(
      keys.map(
        (key) =>
          sql`(${sql.join(
            this.keys.map((k, i) => sql`${key[i]}::${sql.raw(k.sqlType)}`),
            sql`, `,
          )})`,
      ),
      sql`, `,
    );
    const orderBy = [asc(capture.orderKey as PgColumn), ...this.keys.map((k) => orderedKey(k, k.column))];
    const rows = (await this.query(
      sql`(${columns}) in (${tuples})`,
      orderBy,
      keys.length,
      this.extras(),
    )) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  /** `(orderKey, keys...) > (position)`, with text keys compared byte-wise. */
  private after(
    orderKey: SQL | PgColumn,
    orderValue: SQL,
    column: (k: KeyColumn) => SQL | PgColumn,
    position: ChangePosition,
  ): SQL {
    const { keys } = this;
    return sql`(${orderKey}, ${sql.join(
      keys.map((k) => orderedKey(k, column(k))),
      sql`, `,
    )}) > (${orderValue}, ${sql.join(
      keys.map((k, i) => castKey(k, position.key[i])),
      sql`, `,
    )})`;
  }

  /**
   * What every read selects besides the row: its change key and row version unless the row holds them
   * already (exact capture), and whether it is soft-deleted when the family says how to tell.
   */
  private extras(): Record<string, SQL.Aliased> {
    const { capture, options } = this;
    return {
      ...(capture.rowProperties
        ? {}
        : {
            __ck: sql`${capture.changeKey}::text`.as('__ck'),
            __rv: sql`${capture.rowVersion}::text`.as('__rv'),
          }),
      ...(options.softDelete ? { __del: sql`coalesce((${options.softDelete}), false)`.as('__del') } : {}),
    };
  }

  private query(
    where: SQL,
    orderBy: SQL[],
    limit: number,
    extras: Record<string, SQL.Aliased>,
  ): Promise<unknown[]> {
    const { db, options } = this;
    if (this.relationalName) {
      const query = (db.query as Record<string, { findMany(config: unknown): Promise<unknown[]> }>)[
        this.relationalName
      ];
      return query.findMany({ where, orderBy, limit, with: options.with, extras });
    }
    return db
      .select({ ...getTableColumns(options.source.table), ...extras })
      .from(options.source.table)
      .where(where)
      .orderBy(...orderBy)
      .limit(limit)
      .then((rows) => rows);
  }

  private keyValue(key: KeyColumn, value: unknown): KeyValue {
    if (key.kind === 'number') return Number(value);
    return String(value);
  }

  private toChange(row: ExtractedRow): SourceChange<unknown> {
    const { __ck, __rv, __del, ...record } = row;
    const own = this.capture.rowProperties;
    const key = this.keys.map((k) => this.keyValue(k, record[k.property]));
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
