import type { Client } from '@opensearch-project/opensearch';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { PartitionedProducts } from './support/partitioned.products.js';
import { createTestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/** Few runs: each seeds a database, backfills two versions and compares them document by document. */
const RUNS = 3;

describe('partitioned backfill, property: a writer appends faster than the backfill', () => {
  let client: Client;

  beforeAll(() => {
    client = createClient();
  });
  afterAll(async () => {
    await client.close();
  });

  it('ends every partition, merges while the writer appends, and every version then equals the source', async () => {
    const scenario = fc.record({
      seeded: fc.integer({ min: 150, max: 1500 }),
      rowsPerPartition: fc.integer({ min: 40, max: 600 }),
      batchSize: fc.integer({ min: 20, max: 200 }),
      instances: fc.integer({ min: 1, max: 3 }),
      minRows: fc.integer({ min: 5, max: 80 }),
      updates: fc.integer({ min: 0, max: 10 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ rowsPerPartition, batchSize, ...run }) => {
        const database = await createTestDatabase();
        const family = uniqueName('appendprop');
        try {
          await seedCatalog(database.db, { products: run.seeded });
          const products = new PartitionedProducts(database, client, family, { rowsPerPartition, batchSize });
          // Merged while it wrote, and equal after the catch-up: asserted inside.
          const { rounds, read } = await products.backfillWhileAppending(run);
          expect(rounds).toBeGreaterThan(0);
          // The partitions read only the rows there were at the watermark, none appended since.
          expect(read).toHaveLength(2);
          for (const { read: rows, planned } of read) expect(rows).toBeLessThanOrEqual(planned);
        } finally {
          await deleteIndexes(client, `${family}_*`);
          await database.drop();
        }
      }),
      { numRuns: RUNS },
    );
  }, 900_000);
});
