import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { BackfillPlanStore } from './backfill-plan.store.js';

const watermark = { changeKey: 41, key: [''], pending: [7, 41] };
const ranges = [
  { after: null, upTo: ['g'] },
  { after: ['g'], upTo: ['p'] },
  { after: ['p'], upTo: ['z'] },
];

describe('BackfillPlanStore', () => {
  let database: StateTestDatabase;
  const plans = new BackfillPlanStore();

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('records a plan once, with its watermark and its ranges as waiting partitions', async () => {
    const family = 'family_1';
    expect(await plans.plan(database.db, family, 2, { watermark, rows: 300, ranges })).toBe(true);
    expect(
      await plans.plan(database.db, family, 2, { watermark: { changeKey: 99, key: ['x'] }, rows: 1, ranges }),
    ).toBe(false);
    const plan = (await plans.readPlans(database.db, family)).get(2)!;
    expect(plan).toMatchObject({ version: 2, watermark, rows: 300, mergedAt: null });
    const partitions = await plans.list(database.db, family);
    expect(partitions.map((p) => [p.partition, p.state, p.token])).toEqual([
      [0, 'waiting', 0],
      [1, 'waiting', 0],
      [2, 'waiting', 0],
    ]);
    expect(await plans.remaining(database.db, family, 2)).toBe(3);
  });

  it('records a plan without partitions for a table that had no rows: nothing remains, it can merge', async () => {
    const family = 'family_2';
    expect(await plans.plan(database.db, family, 2, { watermark, rows: 0, ranges: [] })).toBe(true);
    expect(await plans.list(database.db, family)).toEqual([]);
    expect(await plans.remaining(database.db, family, 2)).toBe(0);
  });
});
