import { describe, expect, it } from 'vitest';
import { emptyPartitionWorkReport, timed } from './partition-work.report.js';

/** Keeps this thread busy until `ms` have passed on its clock, as a CPU-bound transform would. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
};

describe('partition work report', () => {
  it("counts a step's synchronous part too (a CPU-bound transform runs before its promise exists), step by step", async () => {
    const report = emptyPartitionWorkReport();
    await timed(report, 'transforming', async () => busy(20));
    await timed(report, 'loading', () => new Promise((resolve) => setTimeout(resolve, 5)));
    const failed = await timed(report, 'committing', async () => {
      busy(5);
      throw new Error('commit failed');
    }).catch((error: Error) => error.message);
    expect(failed).toBe('commit failed');
    expect(report.seconds.transforming).toBeGreaterThanOrEqual(0.02);
    expect(report.seconds.loading).toBeGreaterThan(0);
    // A step that failed still took its time.
    expect(report.seconds.committing).toBeGreaterThanOrEqual(0.005);
    expect(report.seconds.claiming).toBe(0);
    expect(report.seconds.reading).toBe(0);
  });
});
