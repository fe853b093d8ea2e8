import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@opensearch-project/opensearch';
import { FamilyRunner, FamilySync, LeaseLostError, type SyncResult } from 'search-sync';
import { LeaseStore } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

const TTL_MS = 1000;

describe('the lease is renewed while work holds it, and work that loses it stops sending', () => {
  let database: TestDatabase;
  let client: Client;
  let proxy: FaultProxy;
  let slow: Client;
  const families: string[] = [];

  const runner = (name: string, holder: string, opensearch: Client) => {
    const sync = new FamilySync(productsFamily(name, [productsV1]), {
      db: database.db,
      client: opensearch,
      batchSize: 500,
    });
    return new FamilyRunner(sync, {
      db: database.db,
      stateSchema: 'search_sync',
      holder,
      leaseTtlMs: TTL_MS,
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    proxy = await startFaultProxy(OPENSEARCH_URL);
    slow = new Client({ node: proxy.url, maxRetries: 0, requestTimeout: 30_000 });
    await seedCatalog(database.db, { products: 3000 });
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await slow.close();
    await proxy.close();
    await client.close();
    await database.drop();
  });

  it('keeps the lease through bulk requests slower than its TTL: no other instance starts meanwhile', async () => {
    const name = uniqueName('products');
    families.push(name);
    const a = runner(name, 'instance-a', slow);
    const b = runner(name, 'instance-b', client);
    await a.sync.prepare();
    // Each bulk answer takes longer than the lease lives: only renewals between commits keep it.
    proxy.bulkDelayMs = 1.5 * TTL_MS;
    const before = proxy.bulkRequests;
    const running = a.run();
    // Instance a holds the lease once it sends.
    while (proxy.bulkRequests === before) await sleep(20);
    const attempts: SyncResult[] = [];
    let settled = false;
    void running.finally(() => {
      settled = true;
    });
    while (!settled) {
      attempts.push(await b.run());
      await sleep(200);
    }
    const result = await running;
    proxy.bulkDelayMs = 0;
    expect(result.outcome).toBe('completed');
    expect(attempts.length).toBeGreaterThan(3);
    expect(attempts.filter((r) => r.outcome === 'completed')).toEqual([]);
    await expectVersionsMatchSource(client, database, name, [productsV1]);
  });

  it('stops sending once another instance took the lease, and fails with LeaseLostError', async () => {
    const name = uniqueName('products');
    families.push(name);
    const a = runner(name, 'instance-a', slow);
    await a.sync.prepare();
    proxy.bulkDelayMs = 400;
    const before = proxy.bulkRequests;
    const running = a.run().catch((error: unknown) => error);
    while (proxy.bulkRequests === before) await sleep(20);
    // Another instance takes the lease over, as after a stall past the expiry.
    await database.client`update search_sync.leases set expires_at = now() where family = ${name}`;
    const takeover = await new LeaseStore().acquire(database.db, name, 'instance-b', 60_000);
    expect(takeover.acquired).toBe(true);
    const atTakeover = proxy.bulkRequests;
    const error = await running;
    expect(error).toBeInstanceOf(LeaseLostError);
    const atFailure = proxy.bulkRequests;
    await sleep(3 * TTL_MS);
    proxy.bulkDelayMs = 0;
    // Requests already queued when the loss was seen (one renewal period) at most, nothing after the failure.
    expect(atFailure - atTakeover).toBeLessThanOrEqual(4);
    expect(proxy.bulkRequests).toBe(atFailure);
    // It did not get through the table: 3000 rows in batches of 500 are 6 requests or more.
    expect(atFailure - before).toBeLessThan(6);
  });
});
