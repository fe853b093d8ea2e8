import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { transaction } from './database.transaction.js';
import { queryRows } from './database.type.js';

/** Clients the pool has lent and not been given back. */
const lent = (pool: pg.Pool) => pool.totalCount - pool.idleCount;

describe('transactions through node-postgres', () => {
  let database: StateTestDatabase;
  let pool: pg.Pool;
  let db: NodePgDatabase;
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);

  beforeAll(async () => {
    database = await createStateTestDatabase({ install: false });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    // What pg asks of an application: idle clients that fail are reported here.
    pool.on('error', () => {});
    db = drizzle(pool);
    await db.execute(sql`create table t (n int)`);
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });

  afterAll(async () => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    await pool.end();
    await database.drop();
  });

  it('commits what the work wrote, rolls back what failed work wrote, and gives its client back', async () => {
    expect(
      await transaction(db, async (tx) => tx.execute(sql`insert into t values (1)`).then(() => 'done')),
    ).toBe('done');
    const failure = await transaction(db, async (tx) => {
      await tx.execute(sql`insert into t values (2)`);
      throw new Error('work failed');
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('work failed');
    expect(await queryRows(db, sql`select n from t`)).toEqual([{ n: 1 }]);
    expect(lent(pool)).toBe(0);
  });

  // Drizzle 0.45.4 lends a pool client to a transaction with no 'error' listener on it: when its backend
  // goes away the client emits 'error' and Node throws "Unhandled 'error' event" into the application.
  it('fails when the backend of its client is terminated, lets nothing escape, and the pool goes on', async () => {
    const failure = await transaction(db, async (tx) => {
      await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    // The client's socket closes after the statement failed: its 'error' comes a moment later.
    await sleep(300);
    expect(escaped).toEqual([]);
    expect(lent(pool)).toBe(0);
    expect(await queryRows(db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  // Drizzle 0.45.4 sends BEGIN before its try/finally: a failed BEGIN never gives its client back, and
  // `pool.end()` then never finishes. Any client the server refuses a BEGIN on shows it: here one that
  // another part of the application gave back in a failed transaction.
  it('gives its client back when BEGIN fails', async () => {
    const spoiled = await pool.connect();
    await spoiled.query('begin');
    await spoiled.query('select 1/0').catch(() => {});
    spoiled.release();
    const failure = await transaction(db, async () => 'never run').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(lent(pool)).toBe(0);
    expect(await queryRows(db, sql`select count(*)::int as n from t`)).toEqual([{ n: 1 }]);
  });

  it('refuses a database on one pg.Client, which would share its session between transactions and reads', async () => {
    const client = new pg.Client({ connectionString: database.url });
    const failure = await transaction(drizzle(client), async () => 'never run').catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SearchSyncConfigurationError);
    expect((failure as Error).message).toMatch(/one pg\.Client.*drizzle\(new Pool/);
  });
});
