import { randomBytes } from 'node:crypto';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { installSearchSyncState } from './state.migration.js';

// Test support only, imported by the stores' unit specs: never by library code.

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StateTestDatabase {
  /** The database's URL, for a spec that connects with another driver. */
  readonly url: string;
  readonly db: PostgresJsDatabase;
  readonly client: postgres.Sql;
  drop(): Promise<void>;
}

/** A throwaway database for one spec file, with the state tables installed unless `install` is false. */
export async function createStateTestDatabase(
  options: { install?: boolean } = {},
): Promise<StateTestDatabase> {
  const name = `ss_unit_${randomBytes(4).toString('hex')}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const client = postgres(url.toString(), { max: 4, onnotice: () => {} });
  const db = drizzle(client);
  const drop = async () => {
    // A connection whose backend a spec terminated never finishes ending in postgres.js 3.4.
    await client.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  try {
    if (options.install !== false) await installSearchSyncState(db);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), db, client, drop };
}
