import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { listenForChanges } from './change.listener.js';

const STATE_SCHEMA = 'search_sync';
/** Polls until the assertion passes: the deadline only keeps a broken test from hanging. */
const until = (check: () => unknown) => vi.waitFor(check, { timeout: 30_000, interval: 50 });

describe('listening for changes through node-postgres', () => {
  let database: StateTestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createStateTestDatabase({ install: false });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  /** Backends of this database sitting in LISTEN, as the server sees them. */
  const listeners = async () => {
    const [{ n }] = await database.client<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    return n;
  };

  it('listens on a client of its own, listens again after its backend is terminated, and ends it on stop', async () => {
    const changes: string[] = [];
    let listens = 0;
    const listening = await listenForChanges(
      drizzle(pool),
      STATE_SCHEMA,
      (table) => changes.push(table),
      () => listens++,
    );
    if ('unavailable' in listening) throw new Error(listening.unavailable);
    // Not one of the pool's clients: the application's pool keeps all of its own.
    expect(pool.totalCount).toBe(0);
    expect(listens).toBe(1);
    await database.client`select pg_notify(${STATE_SCHEMA}, 'public.first')`;
    await until(() => expect(changes).toEqual(['public.first']));

    const [{ terminated }] = await database.client<{ terminated: number }[]>`
      select count(pg_terminate_backend(pid))::int as terminated from pg_stat_activity
      where datname = current_database() and query ilike 'listen%'`;
    expect(terminated).toBe(1);
    await until(() => expect(listens).toBe(2));
    await database.client`select pg_notify(${STATE_SCHEMA}, 'public.second')`;
    await until(() => expect(changes).toEqual(['public.first', 'public.second']));

    await listening.stop();
    await until(async () => expect(await listeners()).toBe(0));
  });

  it('says why when it cannot listen', async () => {
    const unreachable = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const listening = await listenForChanges(
      drizzle(unreachable),
      STATE_SCHEMA,
      () => {},
      () => {},
    );
    expect(listening).toEqual({ unavailable: expect.stringMatching(/^LISTEN failed \(.*ECONNREFUSED/) });
    await unreachable.end();
  });
});
