import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateIdentityStore } from './state.identity.js';
import { createStateTestDatabase, type StateTestDatabase } from './state.test-database.js';

describe('StateIdentityStore', () => {
  let database: StateTestDatabase;
  const store = new StateIdentityStore();

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('has no identity before the first bootstrap, then one that records the database it lives in', async () => {
    expect(await store.current(database.db)).toBeNull();
    const first = await database.db.transaction((tx) => store.resolve(tx));
    const [{ name, system }] = await database.client`
      select current_database() as name, system_identifier::text as system from pg_control_system()`;
    expect(first.copyOf).toBeNull();
    expect(first.identity).toMatchObject({ database: name, systemIdentifier: system, copiedFrom: null });
    expect(await store.current(database.db)).toEqual(first.identity);
    expect(await database.db.transaction((tx) => store.resolve(tx))).toEqual({
      identity: first.identity,
      copyOf: null,
    });
  });

  it('gives a state found in another database a new identity that remembers the old one', async () => {
    const original = await store.current(database.db);
    // What a restored backup or a copied database looks like from inside: a row of another database.
    await database.client`update search_sync.identity set database_name = 'elsewhere'`;
    expect(await store.current(database.db)).toBeNull();
    const copy = await database.db.transaction((tx) => store.resolve(tx));
    expect(copy.copyOf).toEqual({ ...original, database: 'elsewhere' });
    expect(copy.identity.id).not.toBe(original?.id);
    expect(copy.identity.copiedFrom).toBe(original?.id);
    expect(await store.current(database.db)).toEqual(copy.identity);
  });

  it('makes nothing when the transaction it was resolved in rolls back', async () => {
    await database.client`delete from search_sync.identity`;
    await database.db
      .transaction(async (tx) => {
        await store.resolve(tx);
        throw new Error('bootstrap refused');
      })
      .catch(() => undefined);
    expect(await store.current(database.db)).toBeNull();
  });
});
