import type { Client } from '@opensearch-project/opensearch';
import type { Checkpoint } from '../keys/change-position.js';
import { type KeyRange, WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyValue } from '../keys/key.types.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';
import { IndexRanges } from './index-ranges.js';
import { noRepairs, RangeRepair, type RepairCounts, union } from './range.repair.js';
import type {
  RangeDifference,
  RangeStats,
  ReconcileOptions,
  ReconcileReport,
  ReconcileSource,
  ReconcileTarget,
  ReconcileTuning,
  VersionPlanner,
} from './reconcile.interface.js';
import { spanOf } from './source-ranges.js';

export interface ReconcilerOptions {
  /** The source side: its rows, ranges and counts. */
  readonly source: ReconcileSource;
  readonly client: Client;
  /** Writes the repairs. */
  readonly loader: Loader;
  readonly plan: VersionPlanner;
  readonly tuning?: Partial<ReconcileTuning>;
}

/** The parts a sampled content reconcile cuts the key space into. */
const SAMPLE_PARTS = 100;

/** 0 … n - 1 in random order (Fisher–Yates). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Count and row-version sum of the documents a set of operations writes. */
function stats(operations: readonly IndexOperation[]): RangeStats {
  let count = 0;
  let sum = 0;
  for (const op of operations) {
    if (op.action !== 'index') continue;
    count++;
    sum += op.rowVersion;
  }
  return { count, sum };
}

/** `range` cut at `cuts` (keys inside it, in order). */
function split(range: KeyRange, cuts: readonly KeyValue[][]): KeyRange[] {
  const bounds = [range.after, ...cuts, range.upTo];
  return cuts.length === 0 ? [range] : bounds.slice(1).map((upTo, i) => ({ after: bounds[i], upTo }));
}

function differences(
  ranges: readonly KeyRange[],
  source: readonly RangeStats[],
  index: readonly RangeStats[],
): RangeDifference[] {
  return ranges
    .map((range, i) => ({ range, source: source[i], index: index[i] }))
    .filter((r) => r.source.count !== r.index.count || r.source.sum !== r.index.sum);
}

/**
 * Compares a version's index with its source by key ranges (count and sum of row versions per range, as
 * of the version's checkpoint by full change position), cutting ranges that differ at quantiles of the
 * source until they are small, then has those compared document by document and repaired (see
 * `range.repair.ts`). Works for every key shape; an unchanged index costs a few SQL statements and two
 * searches.
 */
export class Reconciler {
  private readonly tuning: ReconcileTuning;
  private readonly source: ReconcileSource;
  private readonly client: Client;
  private readonly index: IndexRanges;
  private readonly repairs: RangeRepair;

  constructor(options: ReconcilerOptions) {
    this.tuning = { topRanges: 32, fanout: 16, leafSize: 500, ...options.tuning };
    this.source = options.source;
    this.client = options.client;
    this.index = new IndexRanges(options.client, options.source.keys);
    this.repairs = new RangeRepair(options.source, this.index, options.loader, options.plan);
  }

  /**
   * The parity check: the top-level ranges that differ, none meaning the version matches its source as
   * of its checkpoint. Independently of the ranges, the index's document count must equal the source's
   * row count (a document without the library's fields is in no range). The index must not change
   * meanwhile (the caller holds the lease).
   */
  async parity(target: ReconcileTarget, checkpoint: Checkpoint | null): Promise<RangeDifference[]> {
    await this.client.indices.refresh({ index: target.index });
    const ranges = await this.topRanges();
    const { source, index, excluded } = await this.measure(target, ranges, checkpoint);
    const differing = differences(ranges, source, index);
    if (differing.length > 0) return differing;
    const total = (side: readonly RangeStats[]) => side.reduce((sum, s) => sum + s.count, 0);
    const documents = await this.index.count(target.index, excluded);
    if (documents === total(source)) return [];
    return [
      {
        range: WHOLE_KEY_SPACE,
        source: { count: total(source), sum: NaN },
        index: { count: documents, sum: NaN },
      },
    ];
  }

  /**
   * Compares the version with its source as of its checkpoint, recursing into ranges that differ, and
   * repairs the small ranges document by document. Rows written since the checkpoint are the next run's
   * work, not drift, so writers may go on meanwhile; the index must not change (the caller holds the lease).
   */
  async reconcile(
    target: ReconcileTarget,
    checkpoint: Checkpoint | null,
    options: ReconcileOptions = {},
  ): Promise<ReconcileReport> {
    const counts = noRepairs();
    let rangesCompared = 0;
    let leafRanges = 0;
    // Documents written behind the library's back first: ranges are compared once they are repaired.
    await this.repairs.untracked(target, counts);
    await this.client.indices.refresh({ index: target.index });
    if (options.content) return this.compareContent(target, checkpoint, counts, options.sample ?? 1);
    let ranges = await this.topRanges();
    while (ranges.length > 0) {
      rangesCompared += ranges.length;
      const { source, index } = await this.measure(target, ranges, checkpoint);
      const differing = differences(ranges, source, index);
      ranges = [];
      for (const { range, source: rows, index: documents } of differing) {
        const cuts =
          Math.max(rows.count, documents.count) <= this.tuning.leafSize
            ? []
            : await this.source.cutPoints(range, this.tuning.fanout);
        if (cuts.length > 0) ranges.push(...split(range, cuts));
        else {
          leafRanges++;
          await this.repairs.range(target, range, checkpoint, counts);
        }
      }
    }
    return { version: target.version, index: target.index, rangesCompared, leafRanges, ...counts };
  }

  /**
   * Content reconcile: the whole key space page by page, or a share of it in ranges picked at random (a
   * hundredth of the rows each), every document compared with what the version makes of its row now.
   */
  private async compareContent(
    target: ReconcileTarget,
    checkpoint: Checkpoint | null,
    counts: RepairCounts,
    sample: number,
  ): Promise<ReconcileReport> {
    let ranges = [WHOLE_KEY_SPACE];
    if (sample < 1) {
      const all = split(WHOLE_KEY_SPACE, await this.source.cutPoints(WHOLE_KEY_SPACE, SAMPLE_PARTS));
      const picked = new Set(shuffled(all.length).slice(0, Math.ceil(sample * all.length)));
      ranges = all.filter((_, i) => picked.has(i));
    }
    let compared = 0;
    for (const range of ranges) compared += await this.repairs.content(target, range, checkpoint, counts);
    const { version, index } = target;
    return { version, index, rangesCompared: ranges.length, leafRanges: ranges.length, compared, ...counts };
  }

  /** The key space cut at quantiles of the source, with open ends so orphans outside it are seen too. */
  private async topRanges(): Promise<KeyRange[]> {
    return split(WHOLE_KEY_SPACE, await this.source.cutPoints(WHOLE_KEY_SPACE, this.tuning.topRanges));
  }

  /**
   * Both sides' counts and sums per range. Changes past the checkpoint (rows written since, on either
   * side) are left out of both: the source counts rows at or before it, the index leaves out their ids.
   */
  private async measure(target: ReconcileTarget, ranges: readonly KeyRange[], checkpoint: Checkpoint | null) {
    let source: RangeStats[];
    let excluded: ReadonlySet<string>;
    if (!target.filtered) {
      [source, excluded] = await this.source.snapshot(async (snapshot) => [
        await snapshot.stats(ranges, checkpoint),
        await changedSince(snapshot, checkpoint, spanOf(ranges)),
      ]);
    } else {
      // A JavaScript filter decides which rows belong: plan the rows of each range and count what it keeps.
      const planned: IndexOperation[][] = [];
      const skipped = new Set<string>();
      for (const range of ranges) {
        const operations: IndexOperation[] = [];
        for await (const ops of this.repairs.planned(target, range, checkpoint, skipped))
          operations.push(...ops);
        planned.push(operations);
      }
      // Read after the rows: a row read unchanged and changed since is in it, and left out of both sides.
      excluded = union(await changedSince(this.source, checkpoint, spanOf(ranges)), skipped);
      source = planned.map((ops) => stats(ops.filter((op) => !excluded.has(op.id))));
    }
    return { source, excluded, index: await this.index.stats(target.index, ranges, excluded) };
  }
}

const changedSince = (source: ReconcileSource, checkpoint: Checkpoint | null, span: KeyRange) =>
  checkpoint ? source.changedSince(checkpoint, span) : Promise.resolve(new Set<string>());
