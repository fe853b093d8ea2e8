import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadStats } from '../pipeline/pipeline.interface.js';
import { groupReport, runReport } from './run.report.js';
import type { GroupReport } from './sync.interface.js';

const count = fc.nat({ max: 1_000_000 });
const loadStats: fc.Arbitrary<LoadStats> = fc.record({
  requests: count,
  bytes: count,
  succeeded: count,
  alreadyNewer: count,
  alreadyDeleted: count,
  retriedItems: count,
  throttledItems: count,
  rejected: count,
});
const group: fc.Arbitrary<GroupReport> = fc
  .record({
    versions: fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
    horizon: count,
    batches: count,
    changes: count,
    operations: count,
    deadLetters: count,
    rowQueries: count,
    rowQueryMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
    load: loadStats,
  })
  .map(({ versions, rowQueries, rowQueryMs, load, ...summary }) =>
    groupReport(versions, { ...summary, from: null, end: null }, { rowQueries, rowQueryMs }, load),
  );

describe('run report', () => {
  it('adds up its groups: every total is the sum of the groups, versions are each listed once', () => {
    fc.assert(
      fc.property(fc.array(group, { maxLength: 5 }), count, (groups, related) => {
        const report = runReport('products', groups, 12.6, related);
        const sum = (pick: (g: GroupReport) => number) => groups.reduce((total, g) => total + pick(g), 0);
        expect(report.batches).toBe(sum((g) => g.batches));
        expect(report.changes).toBe(sum((g) => g.changes));
        expect(report.operations).toBe(sum((g) => g.operations));
        expect(report.deadLetters).toBe(sum((g) => g.deadLetters));
        expect(report.rowQueries).toBe(sum((g) => g.rowQueries));
        for (const key of Object.keys(report.load) as (keyof LoadStats)[])
          expect(report.load[key]).toBe(sum((g) => g.load[key]));
        expect(report.horizon).toBe(Math.max(0, ...groups.map((g) => g.horizon)));
        expect(report.versions).toEqual(
          [...new Set(groups.flatMap((g) => g.versions))].sort((a, b) => a - b),
        );
        expect(report.relatedParents).toBe(related);
        expect(report.durationMs).toBe(13);
        expect(report.groups).toBe(groups);
      }),
    );
  });

  it('rounds a group’s time spent in row queries to whole milliseconds', () => {
    const summary = {
      from: null,
      end: null,
      horizon: 7,
      batches: 1,
      changes: 2,
      operations: 2,
      deadLetters: 0,
    };
    const stats = {
      requests: 1,
      bytes: 10,
      succeeded: 2,
      alreadyNewer: 0,
      alreadyDeleted: 0,
      retriedItems: 0,
      throttledItems: 0,
      rejected: 0,
    };
    const report = groupReport([1, 2], summary, { rowQueries: 1, rowQueryMs: 3.4 }, stats);
    expect(report).toEqual({ versions: [1, 2], ...summary, rowQueries: 1, rowQueryMs: 3, load: stats });
  });
});
