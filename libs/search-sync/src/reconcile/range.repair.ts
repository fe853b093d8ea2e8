import { documentHash } from '../family/definition.hash.js';
import type { SourceChange } from '../family/stage.interface.js';
import { type Checkpoint, isAfterCheckpoint } from '../keys/change-position.js';
import { parseDocumentId } from '../keys/document-id.js';
import type { KeyRange } from '../keys/key.range.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';
import type { IndexedDocument, IndexRanges } from './index-ranges.js';
import type {
  ReconcileReport,
  ReconcileSource,
  ReconcileTarget,
  VersionPlanner,
} from './reconcile.interface.js';

/** What repairs add up to, counted into the version's report as they go. */
export type RepairCounts = {
  -readonly [K in 'missing' | 'stale' | 'orphans' | 'repaired' | 'failed']: ReconcileReport[K];
};

export const noRepairs = (): RepairCounts => ({ missing: 0, stale: 0, orphans: 0, repaired: 0, failed: 0 });

const PAGE = 1000;

export const union = (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> =>
  b.size === 0 ? a : new Set([...a, ...b]);

/**
 * The repair side of reconcile: what the version's pipeline makes of the source's rows now, compared
 * document by document with what the index holds, and the writes and deletes that make them equal.
 */
export class RangeRepair {
  constructor(
    private readonly source: ReconcileSource,
    private readonly index: IndexRanges,
    private readonly loader: Loader,
    private readonly plan: VersionPlanner,
  ) {}

  /**
   * The operations the version's pipeline makes of a key range's rows at or before the checkpoint; the
   * ids of the others go to `skipped` (in timestamp mode a late commit can put a row back behind the
   * checkpoint after `changedSince` was read, so they are left out by id too).
   */
  async *planned(
    target: ReconcileTarget,
    range: KeyRange,
    checkpoint: Checkpoint | null,
    skipped: Set<string>,
  ): AsyncGenerator<readonly IndexOperation[]> {
    for await (const page of this.pages(target, range, checkpoint)) {
      for (const id of page.skipped) skipped.add(id);
      yield page.operations;
    }
  }

  /**
   * A key range a page of rows at a time, in key order: each page's own key range (pages tile the range,
   * the last one reaching its end, so documents past the last row are in one too), the operations the
   * version makes of its rows at or before the checkpoint, and the ids of the rows after it.
   */
  private async *pages(target: ReconcileTarget, range: KeyRange, checkpoint: Checkpoint | null) {
    const { keys } = this.source;
    let after = range.after;
    for (;;) {
      const rows = await this.source.readKeyRange(range, after, PAGE);
      const last = rows.length < PAGE;
      const page: KeyRange = { after, upTo: last ? range.upTo : rows[PAGE - 1].key };
      const settled: SourceChange<unknown>[] = [];
      const skipped = new Set<string>();
      for (const row of rows) {
        if (!checkpoint || !isAfterCheckpoint(keys, row.position, checkpoint)) settled.push(row);
        else skipped.add(row.id);
      }
      const operations = settled.length > 0 ? await this.plan(settled, target.version) : [];
      yield { page, operations, skipped };
      if (last) return;
      after = page.upTo;
    }
  }

  /** Compares one small range document by document and writes or deletes what differs. */
  async range(target: ReconcileTarget, range: KeyRange, checkpoint: Checkpoint | null, counts: RepairCounts) {
    const expected = new Map<string, IndexOperation>();
    const skipped = new Set<string>();
    for await (const operations of this.planned(target, range, checkpoint, skipped)) {
      for (const op of operations) if (op.action === 'index') expected.set(op.id, op);
    }
    const changed = checkpoint ? await this.source.changedSince(checkpoint, range) : new Set<string>();
    const excluded = union(changed, skipped);
    const hits = await this.index.documents(target.index, {
      bool: { should: [this.index.inRange(range), { ids: { values: [...expected.keys()] } }] },
    });
    for (const id of excluded) {
      expected.delete(id);
      hits.delete(id);
    }
    await this.write(target, expected, hits, counts);
  }

  /**
   * Compares a key range by content, a page of rows at a time in key order: what the version makes of
   * each row now (its document's hash) with the index's document of the same key range (the hash of its
   * `_source`), and repairs what differs, content that changed without its row version (an opted-out
   * relation, a write behind the library's back) included. One read of the source per page; memory holds
   * one page. Returns the documents compared.
   */
  async content(
    target: ReconcileTarget,
    range: KeyRange,
    checkpoint: Checkpoint | null,
    counts: RepairCounts,
  ): Promise<number> {
    let compared = 0;
    for await (const { page, operations, skipped } of this.pages(target, range, checkpoint)) {
      const expected = new Map<string, IndexOperation>();
      for (const op of operations) if (op.action === 'index') expected.set(op.id, op);
      const changed = checkpoint ? await this.source.changedSince(checkpoint, page) : new Set<string>();
      const hits = await this.index.documents(target.index, this.index.inRange(page), true);
      for (const id of union(changed, skipped)) {
        expected.delete(id);
        hits.delete(id);
      }
      compared += expected.size;
      await this.write(target, expected, hits, counts, (op, hit) => hit.hash !== documentHash(op.document));
    }
    return compared;
  }

  /** Documents without the library's fields were written behind its back: compare them by id. */
  async untracked(target: ReconcileTarget, counts: RepairCounts) {
    const hits = await this.index.untracked(target.index);
    if (hits.size === 0) return;
    // An id that is no key of this family is an orphan: nothing is expected for it.
    const keys = [...hits.keys()].flatMap((id) => {
      const key = parseDocumentId(this.source.keys, id);
      return key ? [key] : [];
    });
    const rows = await this.source.readKeys(keys);
    const expected = new Map<string, IndexOperation>();
    for (const op of await this.plan(rows, target.version))
      if (op.action === 'index') expected.set(op.id, op);
    await this.write(target, expected, hits, counts);
  }

  private async write(
    target: ReconcileTarget,
    expected: ReadonlyMap<string, IndexOperation>,
    hits: ReadonlyMap<string, IndexedDocument>,
    counts: RepairCounts,
    contentDiffers?: (op: IndexOperation, hit: IndexedDocument) => boolean,
  ): Promise<void> {
    const operations: IndexOperation[] = [];
    // A document deleted or overwritten behind our back left a version one above ours (a delete's
    // tombstone lives for `index.gc_deletes`), so the repair writes one above the row version: every later
    // write of the row has a higher row version still, so the next sync is never refused.
    for (const [id, op] of expected) {
      const hit = hits.get(id);
      if (!hit) counts.missing++;
      else if (hit.rowVersion !== op.rowVersion || contentDiffers?.(op, hit)) counts.stale++;
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
