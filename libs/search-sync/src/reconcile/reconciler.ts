import type { Client } from '@opensearch-project/opensearch';
import type { DrizzleChangeReader } from '../capture/change.reader.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { SYNC_FIELD } from '../opensearch/index.manager.js';
import type { ChangePosition } from '../pipeline/change-position.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { IndexOperation, SourceChange } from '../pipeline/pipeline.interface.js';
import type { RangeDifference, RangeStats, ReconcileReport } from './reconcile.interface.js';

/** What reconcile needs to know of a version. */
export interface ReconcileTarget {
  readonly version: number;
  readonly index: string;
  /** Whether rows can be left out of the version by a JavaScript filter (then the source side is planned, not counted in SQL). */
  readonly filtered: boolean;
}

export interface ReconcilerOptions {
  /** Ranges the key span is cut into at the top level. */
  readonly topRanges: number;
  /** How many parts a differing range is cut into. */
  readonly fanout: number;
  /** Ranges of at most this many keys are compared document by document. */
  readonly leafSize: number;
}

type Range = readonly [number, number];

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

function differing(
  ranges: readonly Range[],
  source: readonly RangeStats[],
  index: readonly RangeStats[],
): RangeDifference[] {
  return ranges
    .map(([from, to], i) => ({ from, to, source: source[i], index: index[i] }))
    .filter((r) => r.source.count !== r.index.count || r.source.sum !== r.index.sum);
}

/** The operations a version's pipeline would produce for these rows (normalise, stages, filter, transform). */
export type Planner = (
  changes: readonly SourceChange<unknown>[],
  version: number,
) => Promise<readonly IndexOperation[]>;

const PAGE = 1000;

const union = (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> =>
  b.size === 0 ? a : new Set([...a, ...b]);

/**
 * Compares a version's index with its source by integer key ranges (count and sum of row versions per
 * range), cutting ranges that differ until they are small, then compares those document by document
 * and repairs them: missing and stale documents are written from the source as it is now, orphans are
 * deleted. An unchanged index costs one aggregation and one SQL statement.
 */
export class Reconciler {
  private readonly options: ReconcilerOptions;

  constructor(
    private readonly family: string,
    private readonly reader: DrizzleChangeReader,
    private readonly client: Client,
    private readonly loader: Loader,
    private readonly plan: Planner,
    options: Partial<ReconcilerOptions> = {},
  ) {
    this.options = { topRanges: 32, fanout: 16, leafSize: 500, ...options };
    if (reader.keys.length !== 1 || reader.keys[0].kind !== 'number') {
      throw SearchSyncConfigurationError.family(
        family,
        'parity checks and reconcile need a single integer key.',
      );
    }
  }

  /**
   * The parity check: the top-level ranges that differ, none meaning the version matches its source as
   * of its checkpoint. The index must not change meanwhile (the caller holds the lease).
   */
  async parity(target: ReconcileTarget, checkpoint: ChangePosition | null): Promise<RangeDifference[]> {
    await this.client.indices.refresh({ index: target.index });
    return this.compare(target, await this.topRanges(), checkpoint?.changeKey);
  }

  /**
   * Compares the version with its source as of its checkpoint, recursing into ranges that differ, and
   * repairs the small ranges document by document. Rows written since the checkpoint are the next run's
   * work, not drift, so writers may go on meanwhile; the index must not change (the caller holds the lease).
   */
  async reconcile(target: ReconcileTarget, checkpoint: ChangePosition | null): Promise<ReconcileReport> {
    const below = checkpoint?.changeKey;
    const report = {
      version: target.version,
      index: target.index,
      rangesCompared: 0,
      leafRanges: 0,
      missing: 0,
      stale: 0,
      orphans: 0,
      repaired: 0,
      failed: 0,
    };
    // Documents written behind the library's back first: ranges are compared once they are repaired.
    await this.repairUntracked(target, report);
    await this.client.indices.refresh({ index: target.index });
    let ranges = await this.topRanges();
    while (ranges.length > 0) {
      report.rangesCompared += ranges.length;
      const differing = await this.compare(target, ranges, below);
      ranges = [];
      for (const { from, to } of differing) {
        if (to - from + 1 <= this.options.leafSize) {
          report.leafRanges++;
          await this.repair(target, from, to, below, report);
        } else ranges.push(...this.split(from, to));
      }
    }
    return report;
  }

  /** The key span cut into `topRanges` ranges, with open ends so orphans outside the span are seen too. */
  private async topRanges(): Promise<Range[]> {
    const span = await this.reader.keySpan();
    if (!span) return [[Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]];
    const ranges = this.split(span.min, span.max, this.options.topRanges);
    return [[Number.MIN_SAFE_INTEGER, span.min - 1], ...ranges, [span.max + 1, Number.MAX_SAFE_INTEGER]];
  }

  private split(from: number, to: number, parts = this.options.fanout): Range[] {
    const size = Math.max(1, Math.ceil((to - from + 1) / parts));
    const ranges: Range[] = [];
    for (let lo = from; lo <= to; lo += size) ranges.push([lo, Math.min(to, lo + size - 1)]);
    return ranges;
  }

  /**
   * Ranges whose count or row-version sum differs between source and index. Changes at or past `below`
   * (rows written since the checkpoint, on either side) are left out of both sides.
   */
  private async compare(
    target: ReconcileTarget,
    ranges: readonly Range[],
    below: number | undefined,
  ): Promise<RangeDifference[]> {
    const { source, excluded } = await this.sourceStats(target, ranges, below);
    const index = await this.indexStats(target, ranges, excluded);
    return differing(ranges, source, index);
  }

  private async sourceStats(
    target: ReconcileTarget,
    ranges: readonly Range[],
    below: number | undefined,
  ): Promise<{ source: RangeStats[]; excluded: ReadonlySet<string> }> {
    if (!target.filtered) {
      const [source, excluded] = await this.reader.snapshot(
        async (reader) =>
          [await reader.rangeStats(ranges, below), await this.changedSince(below, ranges, reader)] as const,
      );
      return { source, excluded };
    }
    // A JavaScript filter decides which rows belong: plan the rows of each range and count what it keeps.
    const planned: IndexOperation[][] = [];
    const skipped = new Set<string>();
    for (const [from, to] of ranges) {
      const operations: IndexOperation[] = [];
      for await (const ops of this.plannedRange(target, from, to, below, skipped)) operations.push(...ops);
      planned.push(operations);
    }
    // Read after the rows: a row read unchanged and changed since is in it, and left out of both sides.
    const excluded = union(await this.changedSince(below, ranges), skipped);
    return { source: planned.map((ops) => stats(ops.filter((op) => !excluded.has(op.id)))), excluded };
  }

  /** Ids changed at or past `below` within the span of `ranges` (each compare and repair reads its own). */
  private async changedSince(
    below: number | undefined,
    ranges: readonly Range[],
    reader = this.reader,
  ): Promise<ReadonlySet<string>> {
    if (below === undefined) return new Set();
    const from = Math.min(...ranges.map(([lo]) => lo));
    const to = Math.max(...ranges.map(([, hi]) => hi));
    return reader.changedSince(below, [from, to]);
  }

  /**
   * The operations the version's pipeline makes of a key range's rows changed before `below`, if given;
   * the ids of the others go to `skipped` (in timestamp mode a late commit can put a row back below the
   * checkpoint after `changedSince` was read, so they are left out by id too).
   */
  private async *plannedRange(
    target: ReconcileTarget,
    from: number,
    to: number,
    below?: number,
    skipped?: Set<string>,
  ): AsyncGenerator<readonly IndexOperation[]> {
    let after: number | null = null;
    for (;;) {
      const rows = await this.reader.readKeyRange(from, to, after, PAGE);
      if (rows.length === 0) return;
      const settled: SourceChange<unknown>[] = [];
      for (const row of rows) {
        if (below === undefined || row.position.changeKey < below) settled.push(row);
        else skipped?.add(row.id);
      }
      yield this.plan(settled, target.version);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].key[0] as number;
    }
  }

  private async indexStats(
    target: ReconcileTarget,
    ranges: readonly Range[],
    excluded: ReadonlySet<string>,
  ): Promise<RangeStats[]> {
    const response = await this.client.search({
      index: target.index,
      body: {
        size: 0,
        query: excluded.size ? { bool: { must_not: { ids: { values: [...excluded] } } } } : { match_all: {} },
        aggs: {
          ranges: {
            range: { field: `${SYNC_FIELD}.key`, ranges: ranges.map(([from, to]) => ({ from, to: to + 1 })) },
            aggs: { versions: { sum: { field: `${SYNC_FIELD}.version` } } },
          },
        },
      } as never,
    });
    const buckets = (
      response.body.aggregations as {
        ranges: { buckets: { doc_count: number; versions: { value: number } }[] };
      }
    ).ranges.buckets;
    return buckets.map((b) => ({ count: b.doc_count, sum: b.versions.value }));
  }

  /** Compares one small range document by document and writes or deletes what differs. */
  private async repair(
    target: ReconcileTarget,
    from: number,
    to: number,
    below: number | undefined,
    report: { missing: number; stale: number; orphans: number; repaired: number; failed: number },
  ) {
    const expected = new Map<string, IndexOperation>();
    const skipped = new Set<string>();
    for await (const operations of this.plannedRange(target, from, to, below, skipped)) {
      for (const op of operations) if (op.action === 'index') expected.set(op.id, op);
    }
    const excluded = union(await this.changedSince(below, [[from, to]]), skipped);
    const hits = await this.indexDocuments(target, {
      bool: {
        should: [
          { range: { [`${SYNC_FIELD}.key`]: { gte: from, lte: to } } },
          { ids: { values: [...expected.keys()] } },
        ],
      },
    });
    for (const id of excluded) {
      expected.delete(id);
      hits.delete(id);
    }
    await this.write(target, expected, hits, report);
  }

  /** Documents without the library's fields were written behind its back: compare them by id. */
  private async repairUntracked(
    target: ReconcileTarget,
    report: { missing: number; stale: number; orphans: number; repaired: number; failed: number },
  ) {
    const hits = await this.indexDocuments(target, {
      bool: { must_not: { exists: { field: `${SYNC_FIELD}.key` } } },
    });
    if (hits.size === 0) return;
    const keys = [...hits.keys()].map((id) => [Number(id)]);
    const rows = await this.reader.readKeys(keys);
    const expected = new Map<string, IndexOperation>();
    for (const op of await this.plan(rows, target.version))
      if (op.action === 'index') expected.set(op.id, op);
    await this.write(target, expected, hits, report);
  }

  private async indexDocuments(
    target: ReconcileTarget,
    query: unknown,
  ): Promise<Map<string, { version: number; field?: number }>> {
    const response = await this.client.search({
      index: target.index,
      body: {
        query,
        size: 10_000,
        _source: false,
        version: true,
        docvalue_fields: [`${SYNC_FIELD}.version`],
      } as never,
    });
    const hits = new Map<string, { version: number; field?: number }>();
    for (const hit of response.body.hits.hits as {
      _id: string;
      _version: number;
      fields?: Record<string, number[]>;
    }[]) {
      hits.set(hit._id, { version: hit._version, field: hit.fields?.[`${SYNC_FIELD}.version`]?.[0] });
    }
    return hits;
  }

  private async write(
    target: ReconcileTarget,
    expected: ReadonlyMap<string, IndexOperation>,
    hits: ReadonlyMap<string, { version: number; field?: number }>,
    report: { missing: number; stale: number; orphans: number; repaired: number; failed: number },
  ): Promise<void> {
    const operations: IndexOperation[] = [];
    // A document deleted or overwritten behind our back left a version one above ours (a delete's
    // tombstone lives for `index.gc_deletes`), so the repair writes one above the row version: every later
    // write of the row has a higher row version still, so the next sync is never refused.
    for (const [id, op] of expected) {
      const hit = hits.get(id);
      if (!hit) report.missing++;
      else if (hit.field !== op.rowVersion) report.stale++;
      else continue;
      operations.push({ ...op, externalVersion: op.rowVersion + 1 });
    }
    for (const [id, hit] of hits) {
      if (expected.has(id)) continue;
      report.orphans++;
      operations.push({
        version: target.version,
        index: target.index,
        id,
        action: 'delete',
        rowVersion: hit.version,
      });
    }
    if (operations.length === 0) return;
    const result = await this.loader(operations);
    // A refused write (409) means the index holds a version above the repair's: not repaired.
    const failed = result.deadLetters.length + result.stats.alreadyNewer;
    report.failed += failed;
    report.repaired += operations.length - failed;
  }
}
