import { Client } from '@opensearch-project/opensearch';
import { ClusterUnavailableError, FamilySync } from 'search-sync';
import { CheckpointStore } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

describe('OpenSearch failures', () => {
  let database: TestDatabase;
  let direct: Client;
  let proxy: FaultProxy;
  let proxied: Client;
  const family = uniqueName('products');
  const retry = { maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 200, maxElapsedMs: 30_000 };

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = createClient();
    proxy = await startFaultProxy(OPENSEARCH_URL);
    // The client's own retries are off: what is retried, and how, is the loader's business here.
    proxied = new Client({ node: proxy.url, maxRetries: 0 });
    await seedCatalog(database.db, { products: 3000 });
  });

  afterAll(async () => {
    await deleteIndexes(direct, `${family}_*`);
    await proxied.close();
    await proxy.close();
    await direct.close();
    await database.drop();
  });

  it('retries items answered 429 or 503 until every document is in, with no dead letter', async () => {
    const sync = new FamilySync(productsFamily(family), {
      db: database.db,
      client: proxied,
      batchSize: 500,
      bulk: { retry },
    });
    await sync.prepare();
    proxy.faultShare = 0.2;
    const report = await sync.run();
    proxy.faultShare = 0;
    expect(proxy.faulted).toBeGreaterThan(500);
    expect(report.load.retriedItems + report.load.throttledItems).toBeGreaterThanOrEqual(proxy.faulted);
    expect(report.deadLetters).toBe(0);
    await expectVersionsMatchSource(direct, database, family, [productsV1, productsV2]);
  });

  it('fails the run clearly when the cluster is down, moves no checkpoint, and completes once it is back', async () => {
    const sync = new FamilySync(productsFamily(family), {
      db: database.db,
      client: proxied,
      bulk: { retry: { ...retry, maxAttempts: 3 } },
    });
    const checkpoints = new CheckpointStore();
    const before = await checkpoints.read(database.db, family);
    await database.client`update products set title = 'Changed while down ' || id where id % 7 = 0`;
    await proxy.close();
    const failure = await sync.run().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClusterUnavailableError);
    expect((failure as Error).message).toMatch(
      /OpenSearch at http:\/\/127\.0\.0\.1:\d+ did not answer \(.*ECONNREFUSED.*\)\. No checkpoint moved/s,
    );
    expect(await checkpoints.read(database.db, family)).toEqual(before);
    expect(await sync.deadLetters()).toEqual([]);

    await proxy.open();
    const report = await sync.run();
    expect(report.changes).toBe(Math.floor(3000 / 7));
    await expectVersionsMatchSource(direct, database, family, [productsV1, productsV2]);
  });
});
