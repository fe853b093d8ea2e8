import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRows } from '../capture/source.rows.js';
import type { SourceChange } from '../family/stage.interface.js';
import { scanSource } from './source.scan.js';

/** A reader over rows 1..n in key order, some of them soft-deleted, read by keyset pages as the real one is. */
function fakeReader(rows: readonly SourceChange<unknown>[], pages: number[]) {
  return {
    async readKeyRange(_range: unknown, after: readonly number[] | null, limit: number) {
      pages.push(limit);
      const from = after === null ? 0 : rows.findIndex((r) => r.key[0] === after[0]) + 1;
      return rows.slice(from, from + limit);
    },
  } as unknown as Pick<SourceRows, 'readKeyRange'>;
}

const row = (id: number, deleted: boolean): SourceChange<unknown> => ({
  id: String(id),
  key: [id],
  position: { changeKey: id, key: [id] },
  rowVersion: id,
  deleted,
  record: deleted ? null : { id },
});

describe('scanning the source for a plan', () => {
  it('reads every row once by pages, counts, and samples distinct present rows, as many as asked or there are', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 25 }),
        async (deletedFlags, pageSize, sampleSize) => {
          const rows = deletedFlags.map((deleted, i) => row(i + 1, deleted));
          const pages: number[] = [];
          const scan = await scanSource(fakeReader(rows, pages), {
            pageSize,
            sampleSize,
            documentsOf: async (page) => page.filter((r) => !r.deleted).length,
          });
          const present = rows.filter((r) => !r.deleted);
          expect(scan.rows).toBe(rows.length);
          expect(scan.documents).toBe(present.length);
          expect(scan.sample).toHaveLength(Math.min(sampleSize, present.length));
          expect(new Set(scan.sample.map((r) => r.id)).size).toBe(scan.sample.length);
          for (const sampled of scan.sample) expect(sampled.deleted).toBe(false);
          expect(pages.length).toBeLessThanOrEqual(Math.floor(rows.length / pageSize) + 1);
        },
      ),
    );
  });

  it('spreads the sample over the whole table, not its first keys', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i + 1, false));
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const scan = await scanSource(fakeReader(rows, []), {
      pageSize: 100,
      sampleSize: 50,
      documentsOf: async (page) => page.length,
      random,
    });
    const late = scan.sample.filter((r) => (r.key[0] as number) > 500).length;
    expect(late).toBeGreaterThan(10);
    expect(late).toBeLessThan(40);
  });
});
