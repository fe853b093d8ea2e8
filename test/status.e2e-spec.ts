import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import { FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { createTestDatabase, type TestDatabase, untilReadable } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const PRODUCTS = 2000;

describe('status tells the truth', () => {
  let database: TestDatabase;
  let client: Client;
  const families: string[] = [];
  const newFamily = () => {
    const family = uniqueName('status');
    families.push(family);
    return family;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: PRODUCTS });
    await untilReadable(database.client);
  });

  afterAll(async () => {
    for (const family of families) await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  /** A family serving v1, and the deployment that adds v2 (backfilling, not run yet). */
  async function deployV2(batchSize = 1000) {
    const family = newFamily();
    const options = { db: database.db, client, batchSize };
    const before = new FamilySync(productsFamily(family, [productsV1]), options);
    await before.prepare();
    await before.run();
    const both = new FamilySync(productsFamily(family, [productsV1, productsV2]), options);
    await both.prepare();
    return both;
  }

  it("gives a backfilling version's lag as the time since it started, not 0", async () => {
    const sync = await deployV2();
    await sleep(1100);
    const [v1, v2] = await sync.status();
    expect(v1).toMatchObject({ state: 'serving', pendingChanges: 0, lagSeconds: 0 });
    expect(v2.state).toBe('backfilling');
    expect(v2.pendingChanges).toBe(PRODUCTS);
    expect(v2.lagSeconds).toBeGreaterThanOrEqual(1);
  });

  it('never moves backfill progress backwards while writes arrive', async () => {
    const sync = await deployV2(100);
    const stop = new AbortController();
    await sync.run({ signal: stop.signal, onBatch: () => stop.abort() });
    const first = (await sync.status())[1].backfill!;
    expect(first.done).toBeGreaterThan(0);
    expect(first.done).toBeLessThan(first.total);

    // Every row is written again: the rows v2 already has must be applied once more.
    await database.client`update products set price = price + 1`;
    const [, v2] = await sync.status();
    expect(v2.backfill!.done).toBeGreaterThanOrEqual(first.done);
    expect(v2.backfill!.total).toBe(v2.backfill!.done + v2.pendingChanges);
    await untilReadable(database.client);
    await sync.run();
    expect((await sync.status())[1]).toMatchObject({ state: 'live', pendingChanges: 0, backfill: null });
  });

  it('flags document counts that differ from what the checkpoint implies', async () => {
    const family = newFamily();
    const sync = new FamilySync(productsFamily(family, [productsV1]), { db: database.db, client });
    await sync.prepare();
    expect((await sync.status())[0].expectedDocuments).toBeNull();
    await sync.run();
    const rows = Number(
      (await database.client`select count(*) from products where deleted_at is null`)[0].count,
    );
    const [synced] = await sync.status();
    expect(synced.documents).toBe(rows);
    expect(synced.expectedDocuments).toEqual({ min: rows, max: rows, matches: true });

    // Documents no row explains, as another database's would be.
    const index = `${family}_v1`;
    await client.bulk({
      refresh: true,
      body: ['x1', 'x2', 'x3'].flatMap((id) => [{ index: { _index: index, _id: id } }, { title: id }]),
    } as never);
    const [extra] = await sync.status();
    expect(extra.documents).toBe(rows + 3);
    expect(extra.expectedDocuments).toEqual({ min: rows, max: rows, matches: false });

    // Documents deleted behind the library's back.
    await client.bulk({
      refresh: true,
      body: ['x1', 'x2', 'x3', '1', '2'].map((id) => ({ delete: { _index: index, _id: id } })),
    } as never);
    const [missing] = await sync.status();
    expect(missing.documents).toBe(rows - 2);
    expect(missing.expectedDocuments?.matches).toBe(false);

    await sync.reconcile();
    expect((await sync.status())[0].expectedDocuments?.matches).toBe(true);
  });
});
