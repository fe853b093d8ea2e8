import { asc, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { KeyColumn, SyncSource } from '../family/sync-source.js';
import { documentId } from '../keys/document-id.js';
import type { KeyRange } from '../keys/key.range.js';
import type { ChangePosition, Checkpoint, KeyValue } from '../pipeline/change-position.js';
import type { ChangeReader, ReadBound, ReadScope } from '../pipeline/extract.stage.js';
import type { SourceChange } from '../pipeline/pipeline.interface.js';
import { tombstoneTableName } from './change-capture.migration.js';
import type { BoundChangeCapture, ChangeCapture } from './change-capture.mode.js';
import {
  keyOrderSql,
  keyRangeSql,
  keyValueOf,
  keyValueSql,
  namedKeyColumn,
  tableKeyColumn,
  tupleSql,
} from './key.sql.js';

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

/** Transaction ids as one bigint[] parameter. */
const numbers = (ids: readonly number[]) => sql`${`{${ids.join(',')}}`}::bigint[]`;

/** `after`, or a change of one of the checkpoint's pending transactions. */
const withPending = (after: SQL, changeKey: SQL | PgColumn, checkpoint: Checkpoint): SQL =>
  checkpoint.pending?.length ? sql`(${after} or ${changeKey} = any(${numbers(checkpoint.pending)}))` : after;

/** Reads a source's changes with Drizzle: one statement per page of rows, one per page of tombstones. */
export class DrizzleChangeReader implements ChangeReader {
  readonly keys: readonly KeyColumn[];
  readonly tombstones: boolean;
  readonly capture: BoundChangeCapture;
  /** The source's tombstone table in the state schema. */
  readonly tombstoneTable: SQL;
  private readonly relationalName: string | undefined;

  constructor(
    readonly db: SyncDatabase,
    readonly options: ChangeReaderOptions,
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

  bound(): Promise<ReadBound> {
    return this.capture.bound(this.db);
  }

  horizon(): Promise<number> {
    return this.capture.horizon(this.db);
  }

  async readRows(
    after: ChangePosition | null,
    scope: ReadScope,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { capture, keys } = this;
    const where = sql.join(
      [
        this.inScope(capture.orderKey, scope, (upTo) => this.rowsAfter(upTo)),
        ...(after ? [this.rowsAfter(after)] : []),
      ],
      sql` and `,
    );
    const orderBy = [asc(capture.orderKey as PgColumn), ...keyOrderSql(keys, tableKeyColumn)];
    const rows = (await this.query(where, orderBy, limit, this.extras())) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  async readTombstones(
    after: ChangePosition | null,
    scope: ReadScope,
    upTo: ChangePosition | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { keys } = this;
    const conditions = [this.inScope(sql`change_key`, scope, (position) => this.tombstonesAfter(position))];
    if (after) conditions.push(this.tombstonesAfter(after));
    if (upTo) conditions.push(sql`not ${this.tombstonesAfter(upTo)}`);
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      sql`select ${sql.join(
        keys.map((k, i) => sql`${namedKeyColumn(k)} as ${sql.identifier(`k${i}`)}`),
        sql`, `,
      )}, change_key::text as ck, row_version::text as rv
      from ${this.tombstoneTable}
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

  /**
   * How many changes (rows and tombstones) a version with this checkpoint has not applied (all of them
   * when null): by full position, so changes left inside the checkpoint's own transaction count too, and
   * those of the transactions it left pending. `below` bounds the change key.
   */
  countAfter(after: Checkpoint | null, below?: number): Promise<number> {
    const { capture } = this;
    return this.count(
      [
        after ? this.rowsNotApplied(after) : sql`true`,
        below === undefined ? sql`true` : sql`${capture.orderKey} < ${capture.orderValue(below)}`,
      ],
      [
        after ? this.tombstonesNotApplied(after) : sql`true`,
        below === undefined ? sql`true` : sql`change_key < ${below}::bigint`,
      ],
    );
  }

  /** How many changes have a change key at or past `changeKey` (those waiting behind the horizon). */
  countFrom(changeKey: number): Promise<number> {
    const { capture } = this;
    return this.count(
      [sql`${capture.orderKey} >= ${capture.orderValue(changeKey)}`],
      [sql`change_key >= ${changeKey}::bigint`],
    );
  }

  private async count(rowConditions: SQL[], tombstoneConditions: SQL[]): Promise<number> {
    const [row] = await queryRows<{ rows: number; tombstones: number }>(
      this.db,
      sql`select
        (select count(*)::int from ${this.options.source.table} where ${sql.join(rowConditions, sql` and `)}) as rows,
        ${
          this.tombstones
            ? sql`(select count(*)::int from ${this.tombstoneTable} where ${sql.join(tombstoneConditions, sql` and `)})`
            : sql`0`
        } as tombstones`,
    );
    return row.rows + row.tombstones;
  }

  /**
   * Rows whose key lies in `range`, in key order, at most `limit` after the key `after`: what reconcile
   * compares. Soft-deleted rows come back marked as deleted.
   */
  async readKeyRange(
    range: KeyRange,
    after: readonly KeyValue[] | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    const { keys } = this;
    const where = sql.join(
      [
        keyRangeSql(keys, tableKeyColumn, range),
        ...(after ? [tupleSql(keys, tableKeyColumn, '>', after)] : []),
      ],
      sql` and `,
    );
    const orderBy = keyOrderSql(keys, tableKeyColumn);
    const rows = (await this.query(where, orderBy, limit, this.extras())) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  /**
   * Deletes the tombstones every version of every family has applied: those below the lowest checkpoint
   * (or transaction it left pending) of all versions not retired (one with no checkpoint yet counts as 0, so nothing goes while it may have
   * loaded documents it has not recorded). Other families may read this table too, hence all of them.
   */
  async pruneTombstones(): Promise<number> {
    if (!this.tombstones) return 0;
    const state = sql.identifier(this.options.stateSchema);
    const rows = await queryRows<{ pruned: number }>(
      this.db,
      sql`with pruned as (
        delete from ${this.tombstoneTable} where change_key < (
          select coalesce(min(coalesce(least(c.change_key, (select min(p) from unnest(c.pending) p)), 0)), 0)
          from ${state}.versions v
          left join ${state}.checkpoints c on c.family = v.family and c.version = v.version
          where v.state <> 'retired')
        returning 1)
      select count(*)::int as pruned from pruned`,
    );
    return rows[0]?.pruned ?? 0;
  }

  /** Runs `read` with a reader on one repeatable-read snapshot, so several statements see the same data. */
  snapshot<T>(read: (reader: DrizzleChangeReader) => Promise<T>): Promise<T> {
    return transaction(
      this.db,
      (tx) => read(new DrizzleChangeReader(tx as unknown as SyncDatabase, this.options)),
      {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      },
    );
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
            this.keys.map((k, i) => keyValueSql(k, key[i])),
            sql`, `,
          )})`,
      ),
      sql`, `,
    );
    const orderBy = [asc(capture.orderKey as PgColumn), ...keyOrderSql(this.keys, tableKeyColumn)];
    const rows = (await this.query(
      sql`(${columns}) in (${tuples})`,
      orderBy,
      keys.length,
      this.extras(),
    )) as ExtractedRow[];
    return rows.map((row) => this.toChange(row));
  }

  /** The changes a scope lets a read see, on a change-key column (`orderKey` or a tombstone's). */
  private inScope(
    changeKey: SQL | PgColumn,
    scope: ReadScope,
    after: (position: ChangePosition) => SQL,
  ): SQL {
    const { capture } = this;
    if (scope.kind === 'transactions') {
      const ids = sql`${changeKey} = any(${numbers(scope.ids)})`;
      return scope.upTo ? sql`${ids} and not ${after(scope.upTo)}` : ids;
    }
    const value =
      changeKey === capture.orderKey ? capture.orderValue(scope.below) : sql`${scope.below}::bigint`;
    const below = sql`${changeKey} < ${value}`;
    return scope.inProgress.length === 0
      ? below
      : sql`${below} and ${changeKey} <> all(${numbers(scope.inProgress)})`;
  }

  /** Rows a version with this checkpoint has not applied: after its position, or of a pending transaction. */
  rowsNotApplied(checkpoint: Checkpoint): SQL {
    return withPending(this.rowsAfter(checkpoint), this.capture.orderKey, checkpoint);
  }

  /** Tombstones a version with this checkpoint has not applied. */
  tombstonesNotApplied(checkpoint: Checkpoint): SQL {
    return withPending(this.tombstonesAfter(checkpoint), sql`change_key`, checkpoint);
  }

  /** Rows whose change position is after `position`. */
  rowsAfter(position: ChangePosition): SQL {
    const { capture } = this;
    return tupleSql(this.keys, tableKeyColumn, '>', position.key, {
      column: capture.orderKey,
      value: capture.orderValue(position.changeKey),
    });
  }

  /** Tombstones whose change position is after `position`. */
  tombstonesAfter(position: ChangePosition): SQL {
    return tupleSql(this.keys, namedKeyColumn, '>', position.key, {
      column: sql`change_key`,
      value: sql`${position.changeKey}::bigint`,
    });
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

  private toChange(row: ExtractedRow): SourceChange<unknown> {
    const { __ck, __rv, __del, ...record } = row;
    const own = this.capture.rowProperties;
    const key = this.keys.map((k) => keyValueOf(k, record[k.property]));
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
