import { describe, expect, it } from 'vitest';
import type { BackfillPlan, PartitionRecord } from './backfill-plan.store.js';
import { partitionedDone, partitionProgress } from './partition.progress.js';

const plan: BackfillPlan = {
  version: 2,
  watermark: { changeKey: 10, key: [0], pending: [10] },
  rows: 1000,
  createdAt: new Date(0),
  mergedAt: null,
};

const partition = (p: Partial<PartitionRecord> & Pick<PartitionRecord, 'partition'>): PartitionRecord => ({
  version: 2,
  state: 'waiting',
  holder: null,
  token: 0,
  expired: false,
  rows: 0,
  claimRows: 0,
  claimSeconds: 0,
  ...p,
});

describe('partition progress', () => {
  it('counts partitions done, claimed and waiting (an expired claim waits), by instance, with rate and ETA', () => {
    const progress = partitionProgress(
      plan,
      [
        partition({
          partition: 0,
          state: 'done',
          holder: 'a',
          token: 1,
          rows: 250,
          claimRows: 250,
          claimSeconds: 5,
        }),
        partition({
          partition: 1,
          state: 'claimed',
          holder: 'b',
          token: 2,
          rows: 100,
          claimRows: 50,
          claimSeconds: 2,
        }),
        partition({
          partition: 2,
          state: 'claimed',
          holder: 'a',
          token: 1,
          rows: 50,
          claimRows: 50,
          claimSeconds: 1,
        }),
        partition({ partition: 3, state: 'claimed', holder: 'c', token: 1, expired: true, rows: 0 }),
        partition({ partition: 4 }),
        // Another version's partition is not this plan's.
        partition({ partition: 0, version: 3, state: 'done', holder: 'a', rows: 999 }),
      ],
      20_000,
    );
    expect(progress).toMatchObject({
      total: 5,
      done: 1,
      claimed: 2,
      waiting: 2,
      rows: 400,
      estimatedRows: 1000,
    });
    expect(progress.rowsPerSecond).toBe(20);
    expect(progress.etaSeconds).toBe(30);
    expect(progress.instances).toEqual([
      { holder: 'a', claimed: 1, done: 1, rows: 300, rowsPerSecond: 50 },
      { holder: 'b', claimed: 1, done: 0, rows: 50, rowsPerSecond: 25 },
      { holder: 'c', claimed: 0, done: 0, rows: 0, rowsPerSecond: null },
    ]);
  });

  it('has no rate or ETA before any row is applied', () => {
    const progress = partitionProgress(plan, [partition({ partition: 0 })], 1000);
    expect(progress).toMatchObject({ rows: 0, rowsPerSecond: null, etaSeconds: null, waiting: 1 });
  });

  it("counts done as the partitions' rows, then from the merge on goes on from them with the stream's changes", () => {
    const partitions = [
      partition({ partition: 0, state: 'done', rows: 600 }),
      partition({ partition: 1, state: 'done', rows: 390 }),
      partition({ partition: 0, version: 3, state: 'done', rows: 5000 }),
    ];
    // Before the merge: the version's own partitions' rows, whatever the stream counts say.
    expect(partitionedDone(plan, partitions, 0, 0)).toBe(990);
    const merged = { ...plan, mergedAt: new Date(1) };
    // At the merge the checkpoint is the watermark: everything after it is still pending.
    expect(partitionedDone(merged, partitions, 120, 120)).toBe(990);
    // The stream applied 100 of the 120 changes after the watermark, and more were written since.
    expect(partitionedDone(merged, partitions, 150, 50)).toBe(1090);
  });
});
