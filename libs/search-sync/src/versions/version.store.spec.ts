import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import type { VersionState } from '../state/tables/version.table.js';
import { VersionStore } from './version.store.js';

describe('VersionStore', () => {
  let database: StateTestDatabase;
  const store = new VersionStore();
  let families = 0;
  const newFamily = () => `family_${++families}`;

  const record = (family: string, version: number, definitionHash = `hash-${version}`) => ({
    family,
    version,
    indexName: `${family}_v${version}`,
    definitionHash,
  });

  /** Registers `states.length` versions (1, 2, …) and puts each in its state. */
  async function family(states: readonly VersionState[]): Promise<string> {
    const name = newFamily();
    await store.register(
      database.db,
      states.map((_, i) => record(name, i + 1)),
    );
    for (const [i, state] of states.entries()) {
      // Only a live version can be promoted, as the lifecycle does it.
      if (state !== 'created')
        await store.setState(database.db, name, i + 1, state === 'serving' ? 'live' : state);
      if (state === 'serving') await store.promote(database.db, name, i + 1);
    }
    return name;
  }

  const states = async (name: string) =>
    (await store.list(database.db, name)).map((v) => [v.version, v.state] as const);

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('registers new versions as created and lists them by version number', async () => {
    const name = newFamily();
    await store.register(database.db, [record(name, 2), record(name, 1)]);
    await store.register(database.db, []);
    const listed = await store.list(database.db, name);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({
      family: name,
      version: 1,
      indexName: `${name}_v1`,
      state: 'created',
      definitionHash: 'hash-1',
      promotedAt: null,
      deleteAfter: null,
    });
    expect(listed.map((v) => v.version)).toEqual([1, 2]);
    expect(await store.list(database.db, newFamily())).toEqual([]);
  });

  it('leaves a registered version as it is when it is registered again', async () => {
    const name = await family(['live']);
    await store.register(database.db, [
      { ...record(name, 1, 'changed-hash'), indexName: 'other' },
      record(name, 2),
    ]);
    const listed = await store.list(database.db, name);
    expect(listed.map((v) => [v.version, v.state, v.definitionHash, v.indexName])).toEqual([
      [1, 'live', 'hash-1', `${name}_v1`],
      [2, 'created', 'hash-2', `${name}_v2`],
    ]);
  });

  it('sets the state of one version of one family', async () => {
    const name = await family(['created', 'created']);
    const other = await family(['created']);
    await store.setState(database.db, name, 2, 'backfilling');
    expect(await states(name)).toEqual([
      [1, 'created'],
      [2, 'backfilling'],
    ]);
    expect(await states(other)).toEqual([[1, 'created']]);
  });

  it('sets, keeps and clears when a retired index may be deleted', async () => {
    const name = await family(['live']);
    await store.setState(database.db, name, 1, 'retired', { deleteAfterMs: 3_600_000 });
    const [retired] = await store.list(database.db, name);
    const [{ ahead }] = await database.client<{ ahead: number }[]>`
      select extract(epoch from delete_after - now())::float8 as ahead from search_sync.versions
      where family = ${name}`;
    expect(retired.state).toBe('retired');
    expect(ahead).toBeGreaterThan(3000);
    await store.setState(database.db, name, 1, 'retired');
    expect((await store.list(database.db, name))[0].deleteAfter).toEqual(retired.deleteAfter);
    await store.setState(database.db, name, 1, 'retired', { deleteAfterMs: null });
    expect((await store.list(database.db, name))[0].deleteAfter).toBeNull();
  });

  it('promotes one version to serving and puts the one serving before back to live', async () => {
    const name = await family(['live', 'live', 'live']);
    const other = await family(['serving', 'live']);
    await store.promote(database.db, name, 1);
    expect(await states(name)).toEqual([
      [1, 'serving'],
      [2, 'live'],
      [3, 'live'],
    ]);
    await store.promote(database.db, name, 3);
    expect(await states(name)).toEqual([
      [1, 'live'],
      [2, 'live'],
      [3, 'serving'],
    ]);
    expect(await states(other)).toEqual([
      [1, 'serving'],
      [2, 'live'],
    ]);
  });

  it('stamps each promotion, so rollback can find the version that served before', async () => {
    const name = await family(['live', 'live']);
    await store.promote(database.db, name, 1);
    await store.promote(database.db, name, 2);
    const [v1, v2] = await store.list(database.db, name);
    expect(v1.promotedAt).toBeInstanceOf(Date);
    expect(v2.promotedAt).toBeInstanceOf(Date);
    expect(v2.promotedAt!.getTime()).toBeGreaterThanOrEqual(v1.promotedAt!.getTime());
    // Rolling back is promoting the previous one again: it serves, with a newer stamp, and the version
    // left loses its stamp, so the next rollback goes further back rather than forward to it.
    await store.promote(database.db, name, 1, { rollBack: true });
    const [back, left] = await store.list(database.db, name);
    expect(back.state).toBe('serving');
    expect(back.promotedAt!.getTime()).toBeGreaterThanOrEqual(v2.promotedAt!.getTime());
    expect(left).toMatchObject({ state: 'live', promotedAt: null });
  });

  it('keeps exactly one version serving through any sequence of promotions', async () => {
    const name = await family(['live', 'live', 'live', 'live']);
    for (const version of [2, 4, 4, 1, 3, 2]) {
      await store.promote(database.db, name, version);
      const serving = (await store.list(database.db, name)).filter((v) => v.state === 'serving');
      expect(serving.map((v) => v.version)).toEqual([version]);
    }
  });

  it('changes nothing when asked to promote a version that is not registered', async () => {
    // A swap needs a version to swap to: demoting the serving one alone would leave the family with none.
    const name = await family(['serving', 'live']);
    await store.promote(database.db, name, 9).catch(() => undefined);
    expect(await states(name)).toEqual([
      [1, 'serving'],
      [2, 'live'],
    ]);
  });
});
