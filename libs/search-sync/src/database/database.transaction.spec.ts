import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { connectionLost } from './connection-lost.util.js';
import { transaction } from './database.transaction.js';
import { queryRows } from './database.type.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('transaction', () => {
  let database: StateTestDatabase;
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);

  beforeAll(async () => {
    database = await createStateTestDatabase({ install: false });
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });

  afterAll(async () => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    await database.drop();
  });

  it('commits what the work wrote and answers its result', async () => {
    await database.db.execute(sql`create table if not exists t (n int)`);
    const answer = await transaction(database.db, async (tx) => {
      await tx.execute(sql`insert into t values (1)`);
      return 'done';
    });
    expect(answer).toBe('done');
    expect(await queryRows(database.db, sql`select n from t`)).toEqual([{ n: 1 }]);
  });

  it('rolls back and rethrows when the work fails on a live connection', async () => {
    const failure = await transaction(database.db, async (tx) => {
      await tx.execute(sql`insert into t values (2)`);
      throw new Error('work failed');
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('work failed');
    expect(await queryRows(database.db, sql`select n from t order by n`)).toEqual([{ n: 1 }]);
  });

  // postgres.js 3.4 writes the rollback to a connection the server already closed, from a timer: an
  // uncaught TypeError (porsager/postgres#1208). The work below fails a while after its backend died,
  // which makes the driver take that path every time.
  it('fails with a connection error and lets nothing escape when its backend is terminated', async () => {
    const failure = await transaction(database.db, async (tx) => {
      try {
        await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
      } catch (error) {
        await sleep(200);
        throw error;
      }
    }).catch((error: unknown) => error);
    expect(connectionLost(failure)).toBe(true);
    await sleep(300);
    expect(escaped).toEqual([]);
    // The pool goes on with a fresh connection.
    expect(await queryRows(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  // The same driver writes the commit onto the closed socket when the work ends after the server ended its
  // session (a holder frozen inside its transaction past `idle_in_transaction_session_timeout`).
  it('fails with a connection error and lets nothing escape when its backend ends while the work waits', async () => {
    const failure = await transaction(database.db, async (tx) => {
      const [{ pid }] = await queryRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
      await database.client`select pg_terminate_backend(${pid})`;
      await sleep(200);
    }).catch((error: unknown) => error);
    expect(connectionLost(failure)).toBe(true);
    await sleep(300);
    expect(escaped).toEqual([]);
    expect(await queryRows(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  it('tells lost connections from other failures', () => {
    const coded = (code: string, extra: object = {}) => Object.assign(new Error(code), { code, ...extra });
    expect(connectionLost(coded('CONNECTION_CLOSED'))).toBe(true);
    expect(connectionLost(coded('ECONNRESET'))).toBe(true);
    expect(connectionLost(coded('57P01', { severity: 'FATAL' }))).toBe(true);
    expect(connectionLost(coded('25P03', { severity: 'FATAL' }))).toBe(true);
    expect(connectionLost(new Error('wrapped', { cause: coded('CONNECTION_ENDED') }))).toBe(true);
    expect(connectionLost(coded('23505', { severity: 'ERROR' }))).toBe(false);
    expect(connectionLost(coded('57014', { severity: 'ERROR' }))).toBe(false);
    expect(connectionLost(new Error('plain'))).toBe(false);
    expect(connectionLost('text')).toBe(false);
  });

  it('is the only way the library opens a transaction: only the database drivers call .transaction()', () => {
    const root = join(import.meta.dirname, '..');
    const sources = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.startsWith('database/'),
    );
    const direct = sources.filter((file) => /\.transaction\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(direct).toEqual([]);
  });
});
