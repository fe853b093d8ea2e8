import type { Client } from '@opensearch-project/opensearch';
import type { VersionStatus } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { writeRandomly } from './support/catalog.writers.js';
import { PartitionedProducts } from './support/partitioned.products.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const SEEDED = 3000;

describe('partitioned backfill of a table that keeps growing', () => {
  let database: TestDatabase;
  let client: Client;
  const families: string[] = [];
  /** Writers and readers still going when a test failed: stopped before the database is dropped. */
  const background: { halt(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: SEEDED });
  });

  afterAll(async () => {
    await Promise.all(background.map((b) => b.halt()));
    for (const family of families) await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  /** Both versions of a new products family, backfilled through partitions of 500 rows, pages of 100. */
  const newFamily = () => {
    const family = uniqueName('append');
    families.push(family);
    return new PartitionedProducts(database, client, family, { rowsPerPartition: 500, batchSize: 100 });
  };

  it('finishes its partitions and merges while a writer appends faster than it backfills; then the indexes equal the source', async () => {
    const products = newFamily();
    // The writer runs through the whole backfill and stops only once it has seen the merge.
    const { worked, appended, read } = await products.backfillWhileAppending({ seeded: SEEDED });
    // It outpaced the backfill: it appended more rows than the partitions applied...
    expect(appended).toBeGreaterThan(worked);
    // ...and the partitions read only the rows there were at the watermark, none appended since.
    expect(read).toHaveLength(2);
    for (const { read: rows, planned } of read) expect(rows).toBeLessThanOrEqual(planned);
  });

  it('status().backfill.done never goes back while writes arrive, across the merge', async () => {
    const products = newFamily();
    await products.sync.prepare();
    // One reader, one status at a time: the samples are in the order they were read.
    const samples: (VersionStatus['backfill'] | null)[][] = [];
    let queue: Promise<unknown> = Promise.resolve();
    const sample = () => {
      const read = queue.then(async () => {
        samples.push((await products.observer.status()).map((v) => v.backfill));
      });
      queue = read;
      return read;
    };
    let polling = true;
    const poller = (async () => {
      while (polling) await sample();
    })();
    background.push({
      async halt() {
        polling = false;
        await poller.catch(() => undefined);
      },
    });
    await products.leadSteps();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const writer = writeRandomly(database.client, { until: stopped, seed: 26, pauseMs: 10 });
    background.push({
      async halt() {
        stop();
        await writer.catch(() => undefined);
      },
    });
    await products.workPartitions();
    // Rows the partitions have read are written again before the merge: the stream applies them again.
    await database.client`update products set title = 'Written after its partition' where id between 11 and 300`;
    await sample();
    await products.leadSteps();
    expect(await products.merged()).toBe(true);
    // Merged, not caught up yet (no stream has run): what status says between the two.
    await sample();
    stop();
    await writer;
    await products.expectCaughtUp();
    polling = false;
    await poller;

    for (const version of [0, 1]) {
      const progress = samples.map((s) => s[version]).filter((b) => b !== null && b !== undefined);
      expect(progress.some((b) => b.partitions !== null)).toBe(true);
      expect(progress.some((b) => b.partitions === null)).toBe(true);
      const done = progress.map((b) => b.done);
      const backwards = done.flatMap((d, i) => (i > 0 && d < done[i - 1] ? [[done[i - 1], d]] : []));
      expect({ version, backwards }).toEqual({ version, backwards: [] });
    }
  });
});
