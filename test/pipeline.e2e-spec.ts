import type { Client } from '@opensearch-project/opensearch';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FamilySync } from '../libs/search-sync/src/index.js';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import {
  type ProductDto,
  productsFamily,
  productsV1,
  productsV2,
  toProductDto,
} from '../src/catalog/products.family.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

/** What every version must hold: the source, through each version's filter and transform, by id. */
async function expectedDocuments(database: TestDatabase, version: typeof productsV1 | typeof productsV2) {
  const rows = await database.db.query.products.findMany({
    where: sql`${products.deletedAt} is null`,
    with: { category: true, tags: { with: { tag: true } } },
  });
  const expected = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const dto: ProductDto = toProductDto(row);
    if ('filter' in version && !version.filter(dto)) continue;
    expected.set(String(row.id), version.transform(dto));
  }
  return expected;
}

describe('the multi-version pipeline against PostgreSQL and OpenSearch', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('products');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('syncs rows with relations into two versions from one read per batch', async () => {
    await seedCatalog(database.db, { products: 5000 });
    const sync = new FamilySync(productsFamily(family), { db: database.db, client, batchSize: 500 });
    await sync.prepare();
    const report = await sync.run();
    expect(report.batches).toBe(10);
    expect(report.rowQueries).toBe(report.batches);
    expect(report.changes).toBe(5000);
    expect(report.deadLetters).toBe(0);
    for (const version of [productsV1, productsV2]) {
      const actual = await readAll(client, `${family}_v${version.version}`);
      expect(actual).toEqual(await expectedDocuments(database, version));
    }
    await database.db.update(products).set({ title: 'Changed title' }).where(eq(products.id, 7));
    const second = await sync.run();
    expect(second.changes).toBe(1);
    expect((await readAll(client, `${family}_v1`)).get('7')?.title).toBe('Changed title');
  });
});
