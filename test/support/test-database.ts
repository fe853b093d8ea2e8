import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { catalogSchema } from '../../src/catalog/catalog.schema.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly client: postgres.Sql;
  readonly db: PostgresJsDatabase<typeof catalogSchema>;
  /** Statements sent by `client`, for tests that count queries. */
  readonly statements: string[];
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file, migrated with the project's drizzle-kit migrations (the
 * demo catalog, the state tables and change capture on products), dropped at the end.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `ss_test_${randomBytes(4).toString('hex')}`;
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const statements: string[] = [];
  const client = postgres(url.toString(), {
    max: 4,
    onnotice: () => {},
    debug: (_connection, query) => statements.push(query),
  });
  const db = drizzle(client, { schema: catalogSchema });
  if (options.migrate !== false) await migrate(db, { migrationsFolder: 'drizzle' });
  return {
    name,
    url: url.toString(),
    client,
    db,
    statements,
    async drop() {
      // Bounded: after its backends were terminated, postgres.js can keep a transaction's rollback queued
      // on a dead connection for good, and a plain end() would wait for it.
      await client.end({ timeout: 5 });
      const cleanup = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/**
 * Waits until a run can read every write committed so far: until the horizon has passed a transaction
 * id taken now. Transactions of other tests on the same server can hold the horizon back for a while.
 */
export async function untilReadable(client: postgres.Sql): Promise<void> {
  const [{ xid }] = await client<{ xid: string }[]>`select pg_current_xact_id()::text as xid`;
  for (;;) {
    const [{ horizon }] = await client<{ horizon: string }[]>`
      select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;
    if (BigInt(horizon) > BigInt(xid)) return;
    await sleep(20);
  }
}
