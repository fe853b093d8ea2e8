import type { KeyColumn } from '../family/sync-source.js';
import { type ChangePosition, comparePositions } from './change-position.js';
import type { ChangeBatch, SourceChange } from './pipeline.interface.js';

/** Where extraction reads from: one query for rows and one for tombstones per batch. */
export interface ChangeReader {
  readonly keys: readonly KeyColumn[];
  readonly tombstones: boolean;
  /** The exclusive upper bound of change keys that can no longer change. */
  horizon(): Promise<number>;
  /** Rows after `after` with a change key below `horizon`, in change order, at most `limit`. */
  readRows(after: ChangePosition | null, horizon: number, limit: number): Promise<SourceChange<unknown>[]>;
  /** The same for tombstones, also bounded by `upTo` (inclusive) when the row page was full. */
  readTombstones(
    after: ChangePosition | null,
    horizon: number,
    upTo: ChangePosition | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]>;
}

export interface ExtractOptions {
  readonly from: ChangePosition | null;
  readonly horizon: number;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
}

/**
 * Keyset pages in change order from `from` up to the horizon, one row query per batch: each query asks
 * for one row more than a batch holds, and that row (proof that the page is not the last) opens the next
 * batch instead of being read again. A batch ends at its last row when more follow, or earlier if the
 * tombstones of its range fill their own page: past the end of either page the other stream may hold
 * changes not read yet, so the batch cannot claim them.
 *
 * The next page's row query is sent as soon as the current batch's end is known, before the batch is
 * handed on, so the database works while the batch is normalised and transformed. It is only sent when
 * more changes are known to follow, so it always opens a batch (unless the run stops first).
 */
export async function* extractChanges(
  reader: ChangeReader,
  options: ExtractOptions,
): AsyncGenerator<ChangeBatch<unknown>> {
  const compare = (a: ChangePosition, b: ChangePosition) => comparePositions(reader.keys, a, b);
  const { horizon, batchSize } = options;
  let cursor = options.from;
  let carried: SourceChange<unknown> | null = null;
  const readPage = async (): Promise<SourceChange<unknown>[]> => {
    const first = carried;
    return first
      ? [first, ...(await reader.readRows(first.position, horizon, batchSize))]
      : reader.readRows(cursor, horizon, batchSize + 1);
  };
  let prefetched: Promise<SourceChange<unknown>[]> | null = null;
  for (let sequence = 0; !options.signal?.aborted; sequence++) {
    const fetched = await (prefetched ?? readPage());
    prefetched = null;
    const more = fetched.length > batchSize;
    carried = more ? fetched[batchSize] : null;
    let rows = more ? fetched.slice(0, batchSize) : fetched;
    let end = more ? rows[rows.length - 1].position : null;
    // Tombstones are asked for one more than a batch too, so that a query is only sent when there is more.
    let tombstones = reader.tombstones
      ? await reader.readTombstones(cursor, horizon, end, batchSize + 1)
      : [];
    const tombstonesFull = tombstones.length > batchSize;
    if (tombstonesFull) {
      tombstones = tombstones.slice(0, batchSize);
      const lastTombstone = tombstones[tombstones.length - 1].position;
      if (!end || compare(lastTombstone, end) < 0) {
        const cut = lastTombstone;
        end = cut;
        rows = rows.filter((row) => compare(row.position, cut) <= 0);
        carried = null;
      }
    }
    const changes = tombstones.length === 0 ? rows : mergeInChangeOrder(rows, tombstones, compare);
    if (changes.length === 0) return;
    end ??= changes[changes.length - 1].position;
    const last = !more && !tombstonesFull;
    if (!last && !options.signal?.aborted) {
      cursor = end;
      prefetched = readPage();
      // Awaited on the next turn; if there is none (the consumer stops), its failure must not go unhandled.
      prefetched.catch(() => {});
    }
    yield { sequence, end, changes };
    if (last) return;
  }
}

function mergeInChangeOrder<T>(
  a: readonly SourceChange<T>[],
  b: readonly SourceChange<T>[],
  compare: (x: ChangePosition, y: ChangePosition) => number,
): SourceChange<T>[] {
  const merged: SourceChange<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length) merged.push(a[i++]);
    else if (i >= a.length) merged.push(b[j++]);
    else {
      // Same position: a row deleted and written again by one transaction; the row version orders them.
      const order = compare(a[i].position, b[j].position) || a[i].rowVersion - b[j].rowVersion;
      merged.push(order <= 0 ? a[i++] : b[j++]);
    }
  }
  return merged;
}
