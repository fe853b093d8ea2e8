import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { RunStore } from './run.store.js';

describe('RunStore', () => {
  let database: StateTestDatabase;
  const store = new RunStore();
  let families = 0;
  const newFamily = () => `family_${++families}`;

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('starts a run as running, unfinished, with zero counts', async () => {
    const family = newFamily();
    const id = await store.start(database.db, family, 'host-1', 7);
    expect(typeof id).toBe('number');
    const [run] = await store.list(database.db, family);
    expect(run).toMatchObject({
      id,
      family,
      holder: 'host-1',
      token: 7,
      outcome: 'running',
      finishedAt: null,
      changes: 0,
      batches: 0,
      deadLetters: 0,
      error: null,
    });
    expect(run.startedAt).toBeInstanceOf(Date);
  });

  it('records a skipped run as finished at once, without a token', async () => {
    const family = newFamily();
    await store.start(database.db, family, 'host-2', null, 'skipped');
    const [run] = await store.list(database.db, family);
    expect(run).toMatchObject({ outcome: 'skipped', token: null });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
  });

  it('finishes a run with its outcome and counts, or its error', async () => {
    const family = newFamily();
    const ok = await store.start(database.db, family, 'h', 1);
    const failed = await store.start(database.db, family, 'h', 2);
    await store.finish(database.db, ok, { outcome: 'succeeded', changes: 120, batches: 3, deadLetters: 2 });
    await store.finish(database.db, failed, { outcome: 'failed', error: 'cluster unavailable' });
    const [first, second] = await store.list(database.db, family);
    expect(first).toMatchObject({
      id: ok,
      outcome: 'succeeded',
      changes: 120,
      batches: 3,
      deadLetters: 2,
      error: null,
    });
    expect(first.finishedAt!.getTime()).toBeGreaterThanOrEqual(first.startedAt.getTime());
    expect(second).toMatchObject({
      id: failed,
      outcome: 'failed',
      changes: 0,
      batches: 0,
      error: 'cluster unavailable',
    });
    expect(second.finishedAt).toBeInstanceOf(Date);
  });

  it("lists a family's runs in the order they started, and no other family's", async () => {
    const family = newFamily();
    const other = newFamily();
    const ids = [];
    for (const holder of ['a', 'b', 'c']) {
      ids.push(await store.start(database.db, family, holder, null));
      await store.start(database.db, other, holder, null);
    }
    const runs = await store.list(database.db, family);
    expect(runs.map((r) => r.id)).toEqual(ids);
    expect(runs.map((r) => r.holder)).toEqual(['a', 'b', 'c']);
    expect(runs.every((r) => r.family === family)).toBe(true);
  });

  it('gives as the last run the latest one that ran to an end, not one skipped or still running', async () => {
    const family = newFamily();
    expect(await store.last(database.db, family)).toBeUndefined();
    const first = await store.start(database.db, family, 'a', 1);
    await store.finish(database.db, first, { outcome: 'succeeded', changes: 5 });
    const second = await store.start(database.db, family, 'a', 2);
    await store.finish(database.db, second, { outcome: 'stopped', changes: 1 });
    await store.start(database.db, family, 'b', null, 'skipped');
    await store.start(database.db, family, 'a', 3);
    expect(await store.last(database.db, family)).toMatchObject({
      id: second,
      outcome: 'stopped',
      changes: 1,
    });
    expect(await store.last(database.db, newFamily())).toBeUndefined();
  });
});
