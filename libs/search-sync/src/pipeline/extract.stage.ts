import type { ReadBound } from '../family/change-capture.interface.js';
import type { ChangeBatch, SourceChange } from '../family/stage.interface.js';
import { type ChangePosition, comparePositions } from '../keys/change-position.js';
import type { KeyColumn } from '../keys/key.types.js';

/**
 * Which committed changes a read may see. A snapshot bound reads past a transaction left open: the
 * changes of every transaction the snapshot saw finished, below its `xmax`, the ones in progress left
 * out (and remembered with the checkpoint). A transactions bound reads the changes of given finished
 * transactions at or before a position: the ones a checkpoint left pending.
 */
export type ReadScope =
  | { readonly kind: 'snapshot'; readonly below: number; readonly inProgress: readonly number[] }
  | { readonly kind: 'transactions'; readonly ids: readonly number[]; readonly upTo: ChangePosition | null };

/** Where extraction reads from: one query for rows and one for tombstones per batch. */
export interface ChangeReader {
  readonly keys: readonly KeyColumn[];
  readonly tombstones: boolean;
  /** Which changes are final now. */
  bound(): Promise<ReadBound>;
  /** Rows after `after` within `scope`, in change order, at most `limit`. */
  readRows(after: ChangePosition | null, scope: ReadScope, limit: number): Promise<SourceChange<unknown>[]>;
  /** The same for tombstones, also bounded by `upTo` (inclusive) when the row page was full. */
  readTombstones(
    after: ChangePosition | null,
    scope: ReadScope,
    upTo: ChangePosition | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]>;
}

export interface ExtractOptions {
  readonly from: ChangePosition | null;
  readonly scope: ReadScope;
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
  const { scope, batchSize } = options;
  let cursor = options.from;
  let carried: SourceChange<unknown> | null = null;
  const readPage = async (): Promise<SourceChange<unknown>[]> => {
    const first = carried;
    return first
      ? [first, ...(await reader.readRows(first.position, scope, batchSize))]
      : reader.readRows(cursor, scope, batchSize + 1);
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
    let tombstones = reader.tombstones ? await reader.readTombstones(cursor, scope, end, batchSize + 1) : [];
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
    yield { sequence, end, changes, pending: pendingAt(scope, end) };
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

/**
 * What a checkpoint at `end` leaves pending: the transactions in progress below its change key (their
 * changes may sit behind it). A catch-up read moves no checkpoint: null.
 */
function pendingAt(scope: ReadScope, end: ChangePosition): readonly number[] | null {
  return scope.kind === 'snapshot' ? scope.inProgress.filter((id) => id < end.changeKey) : null;
}
