import { type INestApplicationContext, Injectable } from '@nestjs/common';
import type { Client } from '@opensearch-project/opensearch';
import { IndexVersion, SearchIndex, SearchSyncService } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createTestApp } from './fixtures/test-app.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/** A schedule that never fires during the test: only commits run the families. */
const HOURLY = { every: 3_600_000 };

describe('wake on commit', () => {
  let database: TestDatabase;
  let client: Client;
  let app: INestApplicationContext;
  const products = uniqueName('products');
  const quiet = uniqueName('categories');

  @SearchIndex(quiet, { source: categories, schedule: HOURLY, wakeOnCommit: false })
  @Injectable()
  class QuietCategories {
    @IndexVersion(1, { settings: { number_of_replicas: 0 } })
    v1(category: { name: string }) {
      return { name: category.name };
    }
  }

  const title = async (id: number) => {
    const { body } = await client.get({ index: `${products}_v1`, id: String(id) }, { ignore: [404] });
    return (body._source as { title?: string } | undefined)?.title;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 500 });
    app = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [productsIndex(products, HOURLY, { v2: false }), QuietCategories],
    });
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndexes(client, `${products}_*`);
    await deleteIndexes(client, `${quiet}_*`);
    await client.close();
    await database.drop();
  });

  it('syncs a committed change at once, with no schedule firing', async () => {
    const service = app.get(SearchSyncService);
    // What was committed before bootstrap is the schedule's (or a manual sync's).
    await service.sync(products);
    expect(await title(1)).toBeDefined();
    await database.client`update products set title = 'woken by its commit' where id = 1`;
    await eventually(async () => expect(await title(1)).toBe('woken by its commit'));
    // Both were runs of their own (the schedule never fired): the manual one, and the commit's.
    await eventually(async () => {
      const runs = (await service.runLog(products)).filter((r) => r.outcome === 'succeeded');
      expect(runs.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('folds a burst of commits into a few runs, and syncs all of them', async () => {
    const service = app.get(SearchSyncService);
    const before = (await service.runLog(products)).length;
    for (let i = 0; i < 30; i++)
      await database.client`update products set title = ${`burst ${i}`} where id = ${10 + i}`;
    await eventually(async () => expect(await title(39)).toBe('burst 29'));
    for (let i = 0; i < 30; i++) expect(await title(10 + i)).toBe(`burst ${i}`);
    // One run in flight and one queued at most: far fewer runs than commits.
    expect((await service.runLog(products)).length - before).toBeLessThan(30);
  });

  it('listens again after its connection is terminated, and loses no change', async () => {
    const [{ count }] = await database.client`select count(pg_terminate_backend(pid))::int as count
      from pg_stat_activity where datname = ${database.name} and query ilike 'listen%'`;
    expect(count).toBe(1);
    await database.client`update products set title = 'after the listener came back' where id = 2`;
    await eventually(async () => expect(await title(2)).toBe('after the listener came back'));
  });

  it('leaves a family that opted out to its schedule', async () => {
    const service = app.get(SearchSyncService);
    await database.client`update categories set name = 'renamed' where id = (select min(id) from categories)`;
    await database.client`update products set title = 'a later commit' where id = 3`;
    await eventually(async () => expect(await title(3)).toBe('a later commit'));
    expect(await service.runLog(quiet)).toEqual([]);
  });
});
