import type { SourceRows } from '../capture/source.rows.js';
import type { SourceChange } from '../family/stage.interface.js';
import { WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyValue } from '../keys/key.types.js';

/** What one read of the whole source table found: its rows, the documents a version would hold, a sample. */
export interface SourceScan {
  readonly rows: number;
  readonly documents: number;
  /** Rows (not soft-deleted) picked uniformly at random across the table. */
  readonly sample: readonly SourceChange<unknown>[];
  /** Time spent reading and counting, for the backfill estimate. */
  readonly elapsedMs: number;
}

/**
 * Reads every row once in key order, page by page (keyset, as reconcile does: memory stays flat), counts
 * the documents `documentsOf` says each page makes, and keeps a reservoir sample of `sampleSize` rows
 * (Vitter's algorithm R), so the sample spreads over the whole table, not its first keys.
 */
export async function scanSource(
  reader: Pick<SourceRows, 'readKeyRange'>,
  options: {
    readonly pageSize: number;
    readonly sampleSize: number;
    readonly documentsOf: (page: readonly SourceChange<unknown>[]) => Promise<number>;
    readonly random?: () => number;
  },
): Promise<SourceScan> {
  const random = options.random ?? Math.random;
  const started = performance.now();
  const sample: SourceChange<unknown>[] = [];
  let rows = 0;
  let documents = 0;
  let seen = 0;
  let after: readonly KeyValue[] | null = null;
  for (;;) {
    const page = await reader.readKeyRange(WHOLE_KEY_SPACE, after, options.pageSize);
    if (page.length === 0) break;
    rows += page.length;
    documents += await options.documentsOf(page);
    for (const row of page) {
      if (row.deleted) continue;
      seen++;
      if (sample.length < options.sampleSize) sample.push(row);
      else {
        const slot = Math.floor(random() * seen);
        if (slot < options.sampleSize) sample[slot] = row;
      }
    }
    after = page[page.length - 1].key;
    if (page.length < options.pageSize) break;
  }
  return { rows, documents, sample, elapsedMs: performance.now() - started };
}
