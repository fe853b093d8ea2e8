import { sql } from 'drizzle-orm';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { StateIdentity } from '../errors/ownership.types.js';
import { DEFAULT_STATE_SCHEMA } from './state.schema.js';

export interface ResolvedIdentity {
  readonly identity: StateIdentity;
  /** The state this one was found to be a copy of, when this call gave it its new identity. */
  readonly copyOf: StateIdentity | null;
}

type IdentityRow = {
  id: string;
  system_identifier: string;
  database_name: string;
  copied_from: string | null;
};

const toIdentity = (row: IdentityRow): StateIdentity => ({
  id: row.id,
  systemIdentifier: row.system_identifier,
  database: row.database_name,
  copiedFrom: row.copied_from,
});

/**
 * The state's identity, one row per database the state schema has lived in. The identity of a state is
 * the row made in the database it lives in now: a state schema restored from a backup or copied with its
 * database finds only rows of another database, and gets a new identity that remembers the old one.
 */
export class StateIdentityStore {
  private readonly schema: string;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.schema = stateSchema;
  }

  /** This state's identity in the database it lives in now, or null before its first bootstrap. */
  async current(db: SyncExecutor): Promise<StateIdentity | null> {
    const [row] = await queryRows<IdentityRow>(
      db,
      sql`select i.id::text, i.system_identifier, i.database_name, i.copied_from::text
        from ${this.table()} i, pg_control_system() c
        where i.system_identifier = c.system_identifier::text and i.database_name = current_database()
        order by i.created_at desc limit 1`,
    );
    return row ? toIdentity(row) : null;
  }

  /**
   * The current identity, made if there is none: a first one, or a new one for a state found copied.
   * Call it in the bootstrap's transaction, so a refused bootstrap leaves it as it was.
   */
  async resolve(tx: SyncExecutor): Promise<ResolvedIdentity> {
    const found = await this.current(tx);
    if (found) return { identity: found, copyOf: null };
    // Concurrent bootstraps (other families, other instances) make one identity, not one each.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`search-sync:identity:${this.schema}`}))`);
    const made = await this.current(tx);
    if (made) return { identity: made, copyOf: null };
    const [previous] = await queryRows<IdentityRow>(
      tx,
      sql`select id::text, system_identifier, database_name, copied_from::text from ${this.table()}
        order by created_at desc limit 1`,
    );
    const [row] = await queryRows<IdentityRow>(
      tx,
      sql`insert into ${this.table()} (system_identifier, database_name, copied_from)
        select system_identifier::text, current_database(), ${previous?.id ?? null}::uuid from pg_control_system()
        returning id::text, system_identifier, database_name, copied_from::text`,
    );
    return { identity: toIdentity(row), copyOf: previous ? toIdentity(previous) : null };
  }

  private table() {
    return sql`${sql.identifier(this.schema)}.identity`;
  }
}
