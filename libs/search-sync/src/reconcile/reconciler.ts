import type { Client } from '@opensearch-project/opensearch';
import type { DrizzleChangeReader } from '../capture/change.reader.js';
import { parseDocumentId } from '../keys/document-id.js';
import { type KeyRange, WHOLE_KEY_SPACE } from '../keys/key.range.js';
import { type Checkpoint, isAfterCheckpoint, type KeyValue } from '../pipeline/change-position.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { IndexOperation, SourceChange } from '../pipeline/pipeline.interface.js';
import { type IndexedDocument, IndexRanges } from './index-ranges.js';
import type { RangeDifference, RangeStats, ReconcileReport } from './reconcile.interface.js';
import { SourceRanges, spanOf } from './source-ranges.js';

/** What reconcile needs to know of a version. */
export interface ReconcileTarget {
  readonly version: number;
  readonly index: string;
  /** Whether rows can be left out of the version by a JavaScript filter (then the source side is planned, not counted in SQL). */
  readonly filtered: boolean;
}

export interface ReconcilerOptions {
  /** Ranges the key space is cut into at the top level. */
  readonly topRanges: number;
  /** How many parts a differing range is cut into. */
  readonly fanout: number;
  /** Ranges of at most this many rows and documents are compared document by document. */
  readonly leafSize: number;
}

/** The operations a version's pipeline would produce for these rows (normalise, stages, filter, transform). */
export type VersionPlanner = (
  changes: readonly SourceChange<unknown>[],
  version: number,
) => Promise<readonly IndexOperation[]>;

type Counts = { missing: number; stale: number; orphans: number; repaired: number; failed: number };

const PAGE = 1000;

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

/**
 * Compares a version's index with its source by key ranges (count and sum of row versions per range, as
 * of the version's checkpoint by full change position), cutting ranges that differ at quantiles of the
 * source until they are small, then compares those document by document and repairs them: missing and
 * stale documents are written from the source as it is now, orphans are deleted. Works for every key
 * shape; an unchanged index costs a few SQL statements and two searches.
 */
export class Reconciler {
  private readonly options: ReconcilerOptions;
  private readonly index: IndexRanges;

  constructor(
    private readonly reader: DrizzleChangeReader,
    private readonly client: Client,
    private readonly loader: Loader,
    private readonly plan: VersionPlanner,
    options: Partial<ReconcilerOptions> = {},
  ) {
    this.options = { topRanges: 32, fanout: 16, leafSize: 500, ...options };
    this.index = new IndexRanges(client, reader.keys);
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
  async reconcile(target: ReconcileTarget, checkpoint: Checkpoint | null): Promise<ReconcileReport> {
    const counts: Counts = { missing: 0, stale: 0, orphans: 0, repaired: 0, failed: 0 };
    let rangesCompared = 0;
    let leafRanges = 0;
    // Documents written behind the library's back first: ranges are compared once they are repaired.
    await this.repairUntracked(target, counts);
    await this.client.indices.refresh({ index: target.index });
    let ranges = await this.topRanges();
    while (ranges.length > 0) {
      rangesCompared += ranges.length;
      const { source, index } = await this.measure(target, ranges, checkpoint);
      const differing = differences(ranges, source, index);
      ranges = [];
      for (const { range, source: rows, index: documents } of differing) {
        const cuts =
          Math.max(rows.count, documents.count) <= this.options.leafSize
            ? []
            : await this.sourceRanges().cutPoints(range, this.options.fanout);
        if (cuts.length > 0) ranges.push(...split(range, cuts));
        else {
          leafRanges++;
          await this.repair(target, range, checkpoint, counts);
        }
      }
    }
    return { version: target.version, index: target.index, rangesCompared, leafRanges, ...counts };
  }

  private sourceRanges(reader = this.reader): SourceRanges {
    return new SourceRanges(reader);
  }

  /** The key space cut at quantiles of the source, with open ends so orphans outside it are seen too. */
  private async topRanges(): Promise<KeyRange[]> {
    return split(
      WHOLE_KEY_SPACE,
      await this.sourceRanges().cutPoints(WHOLE_KEY_SPACE, this.options.topRanges),
    );
  }

  /**
   * Both sides' counts and sums per range. Changes past the checkpoint (rows written since, on either
   * side) are left out of both: the source counts rows at or before it, the index leaves out their ids.
   */
  private async measure(target: ReconcileTarget, ranges: readonly KeyRange[], checkpoint: Checkpoint | null) {
    let source: RangeStats[];
    let excluded: ReadonlySet<string>;
    if (!target.filtered) {
      [source, excluded] = await this.reader.snapshot(async (reader) => [
        await this.sourceRanges(reader).stats(ranges, checkpoint),
        await this.changedSince(checkpoint, spanOf(ranges), reader),
      ]);
    } else {
      // A JavaScript filter decides which rows belong: plan the rows of each range and count what it keeps.
      const planned: IndexOperation[][] = [];
      const skipped = new Set<string>();
      for (const range of ranges) {
        const operations: IndexOperation[] = [];
        for await (const ops of this.plannedRange(target, range, checkpoint, skipped))
          operations.push(...ops);
        planned.push(operations);
      }
      // Read after the rows: a row read unchanged and changed since is in it, and left out of both sides.
      excluded = union(await this.changedSince(checkpoint, spanOf(ranges)), skipped);
      source = planned.map((ops) => stats(ops.filter((op) => !excluded.has(op.id))));
    }
    return { source, excluded, index: await this.index.stats(target.index, ranges, excluded) };
  }

  private changedSince(checkpoint: Checkpoint | null, span: KeyRange, reader = this.reader) {
    return checkpoint
      ? this.sourceRanges(reader).changedSince(checkpoint, span)
      : Promise.resolve(new Set<string>());
  }

  /**
   * The operations the version's pipeline makes of a key range's rows at or before the checkpoint; the
   * ids of the others go to `skipped` (in timestamp mode a late commit can put a row back behind the
   * checkpoint after `changedSince` was read, so they are left out by id too).
   */
  private async *plannedRange(
    target: ReconcileTarget,
    range: KeyRange,
    checkpoint: Checkpoint | null,
    skipped: Set<string>,
  ): AsyncGenerator<readonly IndexOperation[]> {
    const { keys } = this.reader;
    let after: readonly KeyValue[] | null = null;
    for (;;) {
      const rows = await this.reader.readKeyRange(range, after, PAGE);
      if (rows.length === 0) return;
      const settled: SourceChange<unknown>[] = [];
      for (const row of rows) {
        if (!checkpoint || !isAfterCheckpoint(keys, row.position, checkpoint)) settled.push(row);
        else skipped.add(row.id);
      }
      yield this.plan(settled, target.version);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].key;
    }
  }

  /** Compares one small range document by document and writes or deletes what differs. */
  private async repair(
    target: ReconcileTarget,
    range: KeyRange,
    checkpoint: Checkpoint | null,
    counts: Counts,
  ) {
    const expected = new Map<string, IndexOperation>();
    const skipped = new Set<string>();
    for await (const operations of this.plannedRange(target, range, checkpoint, skipped)) {
      for (const op of operations) if (op.action === 'index') expected.set(op.id, op);
    }
    const excluded = union(await this.changedSince(checkpoint, range), skipped);
    const hits = await this.index.documents(target.index, {
      bool: { should: [this.index.inRange(range), { ids: { values: [...expected.keys()] } }] },
    });
    for (const id of excluded) {
      expected.delete(id);
      hits.delete(id);
    }
    await this.write(target, expected, hits, counts);
  }

  /** Documents without the library's fields were written behind its back: compare them by id. */
  private async repairUntracked(target: ReconcileTarget, counts: Counts) {
    const hits = await this.index.untracked(target.index);
    if (hits.size === 0) return;
    // An id that is no key of this family is an orphan: nothing is expected for it.
    const keys = [...hits.keys()].flatMap((id) => {
      const key = parseDocumentId(this.reader.keys, id);
      return key ? [key] : [];
    });
    const rows = await this.reader.readKeys(keys);
    const expected = new Map<string, IndexOperation>();
    for (const op of await this.plan(rows, target.version))
      if (op.action === 'index') expected.set(op.id, op);
    await this.write(target, expected, hits, counts);
  }

  private async write(
    target: ReconcileTarget,
    expected: ReadonlyMap<string, IndexOperation>,
    hits: ReadonlyMap<string, IndexedDocument>,
    counts: Counts,
  ): Promise<void> {
    const operations: IndexOperation[] = [];
    // A document deleted or overwritten behind our back left a version one above ours (a delete's
    // tombstone lives for `index.gc_deletes`), so the repair writes one above the row version: every later
    // write of the row has a higher row version still, so the next sync is never refused.
    for (const [id, op] of expected) {
      const hit = hits.get(id);
      if (!hit) counts.missing++;
      else if (hit.rowVersion !== op.rowVersion) counts.stale++;
      else continue;
      operations.push({ ...op, externalVersion: op.rowVersion + 1 });
    }
    for (const [id, hit] of hits) {
      if (expected.has(id)) continue;
      counts.orphans++;
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
    counts.failed += failed;
    counts.repaired += operations.length - failed;
  }
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

const union = (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> =>
  b.size === 0 ? a : new Set([...a, ...b]);
