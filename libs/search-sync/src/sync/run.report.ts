import type { ReadCounter } from '../pipeline/counting.reader.js';
import { addLoadStats, emptyLoadStats } from '../pipeline/load.stats.js';
import type { LoadStats } from '../pipeline/pipeline.interface.js';
import type { PipelineSummary } from '../pipeline/pipeline.js';
import type { GroupReport, RunReport } from './sync.interface.js';

/** One cursor group's report: what the pipeline read and wrote, its row queries, what loading did. */
export function groupReport(
  versions: readonly number[],
  summary: PipelineSummary,
  counter: ReadCounter,
  load: LoadStats,
): GroupReport {
  return {
    versions,
    ...summary,
    rowQueries: counter.rowQueries,
    rowQueryMs: Math.round(counter.rowQueryMs),
    load,
  };
}

/** A group that read nothing this run (a backfill whose partitions other instances still work). */
export const emptyGroupReport = (versions: readonly number[]): GroupReport =>
  groupReport(
    versions,
    { from: null, horizon: 0, batches: 0, changes: 0, operations: 0, deadLetters: 0, end: null },
    { rowQueries: 0, rowQueryMs: 0 },
    emptyLoadStats(),
  );

/** The run's report from its groups' reports: totals, and each group as it went. */
export function runReport(
  family: string,
  groups: readonly GroupReport[],
  durationMs: number,
  relatedParents: number,
): RunReport {
  const sum = (pick: (g: GroupReport) => number) => groups.reduce((total, g) => total + pick(g), 0);
  return {
    family,
    versions: [...new Set(groups.flatMap((g) => g.versions))].sort((a, b) => a - b),
    groups,
    horizon: Math.max(0, ...groups.map((g) => g.horizon)),
    batches: sum((g) => g.batches),
    changes: sum((g) => g.changes),
    rowQueries: sum((g) => g.rowQueries),
    rowQueryMs: sum((g) => g.rowQueryMs),
    operations: sum((g) => g.operations),
    deadLetters: sum((g) => g.deadLetters),
    load: groups.reduce((total, g) => addLoadStats(total, g.load), emptyLoadStats()),
    relatedParents,
    durationMs: Math.round(durationMs),
  };
}
