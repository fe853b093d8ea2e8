import { sql } from 'drizzle-orm';
import { bigint } from 'drizzle-orm/pg-core';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';

export const CHANGE_KEY_COLUMN = 'search_sync_change_key';
export const ROW_VERSION_COLUMN = 'search_sync_row_version';

/**
 * The two columns exact change capture maintains, to spread into a Drizzle table so drizzle-kit knows
 * them (and never proposes to drop them):
 * `pgTable('products', { id: serial('id').primaryKey(), ...changeCaptureColumns() })`.
 */
export function changeCaptureColumns(stateSchema: string = DEFAULT_STATE_SCHEMA) {
  const sequence = `"${assertSqlIdentifier(stateSchema, 'State schema')}".row_version_seq`;
  return {
    searchSyncChangeKey: bigint(CHANGE_KEY_COLUMN, { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    searchSyncRowVersion: bigint(ROW_VERSION_COLUMN, { mode: 'number' })
      .notNull()
      .default(sql.raw(`nextval('${sequence}')`)),
  };
}
