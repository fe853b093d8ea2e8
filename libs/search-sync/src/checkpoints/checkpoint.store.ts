import { type SQL, sql } from 'drizzle-orm';
import { transactionIds } from '../capture/change-position.sql.js';
import { storedKeySql } from '../capture/key.sql.js';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';

/**
 * Per (family, version): the change position up to which every change is applied. Writes are a
 * compare-and-set in SQL that only moves forward, whoever attempts them.
 */
export class CheckpointStore {
  private readonly table: SQL;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.table = sql`${sql.identifier(stateSchema)}.checkpoints`;
  }

  async read(db: SyncExecutor, family: string): Promise<Map<number, Checkpoint>> {
    const rows = await queryRows<{ version: number; change_key: string; key: KeyValue[]; pending: string[] }>(
      db,
      sql`select version, change_key::text as change_key, key, pending::text[] as pending
        from ${this.table} where family = ${family}`,
    );
    return new Map(
      rows.map((row) => [
        row.version,
        // Without pending transactions a checkpoint is a plain position.
        row.pending.length > 0
          ? { changeKey: Number(row.change_key), key: row.key, pending: row.pending.map(Number) }
          : { changeKey: Number(row.change_key), key: row.key },
      ]),
    );
  }

  /** When each version's checkpoint last moved. */
  async lastMoved(db: SyncExecutor, family: string): Promise<Map<number, Date>> {
    const rows = await queryRows<{ version: number; updated_at: string | Date }>(
      db,
      sql`select version, updated_at from ${this.table} where family = ${family}`,
    );
    return new Map(rows.map((row) => [row.version, new Date(row.updated_at)]));
  }

  /**
   * Moves the checkpoints of `versions` to `position` (with the transactions it leaves pending) where
   * that is forward; returns the versions that moved. `guard` is an extra SQL condition that must hold
   * (the lease's fencing token, for one).
   */
  async advance(
    db: SyncExecutor,
    family: string,
    versions: readonly number[],
    position: Checkpoint,
    keys: readonly KeyColumn[],
    guard: SQL = sql`true`,
  ): Promise<number[]> {
    if (versions.length === 0) return [];
    const keyJson = JSON.stringify(position.key);
    const typed = (json: SQL) => storedKeySql(keys, json);
    const rows = await queryRows<{ version: number }>(
      db,
      sql`insert into ${this.table} as c (family, version, change_key, key, pending)
        select ${family}, v.version, ${position.changeKey}::bigint, ${keyJson}::jsonb, ${transactionIds(position.pending ?? [])}
        from (values ${sql.join(
          versions.map((version) => sql`(${version}::int)`),
          sql`, `,
        )}) as v(version)
        where ${guard}
        on conflict (family, version) do update
          set change_key = excluded.change_key, key = excluded.key, pending = excluded.pending, updated_at = now()
          where (c.change_key, ${typed(sql`c.key`)}) < (excluded.change_key, ${typed(sql`excluded.key`)})
        returning version`,
    );
    return rows.map((row) => row.version);
  }

  /**
   * Takes finished transactions out of the pending ones of `versions`, once every change of theirs is
   * applied; the position does not move. Only ever removes.
   */
  async settle(
    db: SyncExecutor,
    family: string,
    versions: readonly number[],
    finished: readonly number[],
    guard: SQL = sql`true`,
  ): Promise<void> {
    if (versions.length === 0 || finished.length === 0) return;
    await db.execute(
      sql`update ${this.table} set pending = array(select x from unnest(pending) x where x <> all(${transactionIds(finished)}))
        where family = ${family} and version = any(${`{${versions.join(',')}}`}::int[]) and ${guard}`,
    );
  }
}
