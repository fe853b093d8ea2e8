import { Client } from '@opensearch-project/opensearch';
import { type BulkLoaderOptions, FamilySync, type SyncEvent } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectedDocuments, expectVersionsMatchSource } from './support/catalog.expect.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import {
  createClient,
  deleteIndexes,
  OPENSEARCH_URL,
  readAll,
  uniqueName,
} from './support/test-opensearch.js';

const PRODUCTS = 4000;
const BATCH_SIZE = 250;
const BATCHES = PRODUCTS / BATCH_SIZE;

/**
 * Tight on attempts on purpose: every item is pushed back several times while the shares are high, so
 * a pushback that cost an attempt would end as a dead letter.
 */
const bulk: Partial<BulkLoaderOptions> = {
  maxOperations: 200,
  concurrency: 4,
  retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50, maxElapsedMs: 60_000 },
  throttle: { minOperations: 20, increaseAfter: 2 },
};

/**
 * Items answered 429 (and whole requests, a quarter as often, when asked): a share rising over the first
 * half of the batches, then none.
 */
function risingPushback(proxy: FaultProxy, wholeRequests: boolean) {
  let committed = 0;
  const set = (share: number) => {
    proxy.faultShare = share;
    proxy.requestFaultShare = wholeRequests ? share / 4 : 0;
  };
  proxy.faultStatuses = [429];
  set(0.05);
  return () => {
    committed++;
    set(committed < BATCHES / 2 ? Math.min(0.5, 0.05 + (0.45 * committed) / (BATCHES / 2)) : 0);
  };
}

describe('Adaptive throttling under a rising share of 429s', () => {
  let database: TestDatabase;
  let direct: Client;
  let proxy: FaultProxy;
  let proxied: Client;
  const families: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = createClient();
    proxy = await startFaultProxy(OPENSEARCH_URL);
    // The client's own retries are off: what is retried, and how, is the loader's business here.
    proxied = new Client({ node: proxy.url, maxRetries: 0 });
    await seedCatalog(database.db, { products: PRODUCTS });
  });

  afterAll(async () => {
    for (const family of families) await deleteIndexes(direct, `${family}_*`);
    await proxied.close();
    await proxy.close();
    await direct.close();
    await database.drop();
  });

  it('slows down and recovers, and gets every row in without a pushback costing a retry attempt', async () => {
    const family = uniqueName('throttled');
    families.push(family);
    const events: SyncEvent[] = [];
    const sync = new FamilySync(productsFamily(family, [productsV1, productsV2]), {
      db: database.db,
      client: proxied,
      batchSize: BATCH_SIZE,
      bulk,
      observer: (event) => events.push(event),
    });
    await sync.prepare();
    const faultedBefore = proxy.faulted;
    const requestsFaultedBefore = proxy.requestsFaulted;
    const report = await sync.run({ onBatch: risingPushback(proxy, true) });

    expect(proxy.faulted - faultedBefore).toBeGreaterThan(1000);
    expect(proxy.requestsFaulted - requestsFaultedBefore).toBeGreaterThan(0);
    // Each pushback was sent again as a pushback, none as a retry: with two attempts allowed, items
    // pushed back more often than that would otherwise be dead letters.
    expect(report.load.retriedItems).toBe(0);
    expect(report.load.throttledItems).toBeGreaterThanOrEqual(proxy.faulted - faultedBefore);
    expect(events.filter((e) => e.type === 'bulk-retry')).toEqual([]);
    const pushedBack = events.reduce((n, e) => n + (e.type === 'bulk-pushback' ? e.items : 0), 0);
    expect(pushedBack).toBe(report.load.throttledItems);
    expect(report.deadLetters).toBe(0);
    expect(await sync.deadLetters()).toEqual([]);
    await expectVersionsMatchSource(direct, database, family, [productsV1, productsV2]);

    // The pace went down to the floor while the shares rose, and back up to the loader's bounds after.
    const paces = events.flatMap((e) => (e.type === 'bulk-throttle' ? [e] : []));
    expect(paces.some((p) => p.concurrency === 1 && p.operations === 20)).toBe(true);
    expect(paces[0]).toMatchObject({ direction: 'down' });
    expect(paces.at(-1)).toMatchObject({ direction: 'up', concurrency: 4, operations: 200 });
    // The requests themselves followed: some as small as the floor, full-sized ones again at the end.
    const sizes = events.flatMap((e) => (e.type === 'bulk-request' ? [e.operations] : []));
    expect(Math.min(...sizes)).toBeLessThanOrEqual(20);
    expect(sizes.slice(-5)).toContain(200);
  });

  it('without the throttle, the same pushback costs attempts: what runs out is a dead letter with its reason', async () => {
    const family = uniqueName('unthrottled');
    families.push(family);
    const sync = new FamilySync(productsFamily(family, [productsV1, productsV2]), {
      db: database.db,
      client: proxied,
      batchSize: BATCH_SIZE,
      bulk: { ...bulk, throttle: { enabled: false } },
    });
    await sync.prepare();
    // Items only: a whole request refused past its attempts fails the run (the cluster, not a document).
    const report = await sync.run({ onBatch: risingPushback(proxy, false) });

    expect(report.load.throttledItems).toBe(0);
    expect(report.load.retriedItems).toBeGreaterThan(0);
    const letters = await sync.deadLetters();
    expect(letters.length).toBe(report.deadLetters);
    expect(letters.length).toBeGreaterThan(0);
    for (const letter of letters) {
      expect(letter).toMatchObject({ errorType: 'retries_exhausted', statusCode: 429, attempts: 2 });
      expect(letter.reason).toContain('fault proxy');
    }
    // Every row is in each version's index exactly once, or a dead letter of that version.
    for (const version of [productsV1, productsV2]) {
      const actual = await readAll(direct, `${family}_v${version.version}`);
      const expected = await expectedDocuments(database, version);
      const dead = new Set(letters.filter((l) => l.version === version.version).map((l) => l.documentId));
      for (const id of dead) expected.delete(id);
      expect(actual).toEqual(expected);
    }
  });
});
