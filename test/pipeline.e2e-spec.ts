import type { Client } from '@opensearch-project/opensearch';
import { eq } from 'drizzle-orm';
import { FamilySync, type VersionDefinition } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { type ProductDto, productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

/** A third shape: a price band and tag count, only for products under 200. */
const productsV3: VersionDefinition<ProductDto> = {
  version: 3,
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    properties: { sku: { type: 'keyword' }, band: { type: 'keyword' }, tagCount: { type: 'integer' } },
  },
  filter: (p) => p.price < 200,
  transform: (p) => ({ sku: p.sku, band: p.price < 50 ? 'low' : 'mid', tagCount: p.tags.length }),
};

/** Statements postgres.js sent that read product rows (the extraction query, whatever its shape). */
const rowReads = (statements: readonly string[]) =>
  statements.filter(
    (s) => /from "products"/.test(s) && s.includes('search_sync_change_key') && /limit/i.test(s),
  ).length;

describe('the multi-version pipeline against PostgreSQL and OpenSearch', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('products');
  const versions = [productsV1, productsV2, productsV3];

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 50_000 });
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('syncs 50,000 rows with relations into three versions with one row query per batch', async () => {
    const sync = new FamilySync(productsFamily(family, versions), {
      db: database.db,
      client,
      batchSize: 1000,
    });
    await sync.prepare();
    database.statements.length = 0;
    const report = await sync.run();
    expect(report.changes).toBe(50_000);
    expect(report.batches).toBe(50);
    expect(report.rowQueries).toBe(report.batches);
    expect(rowReads(database.statements)).toBe(report.batches);
    expect(report.deadLetters).toBe(0);
    expect(report.operations).toBe(150_000);
    await expectVersionsMatchSource(client, database, family, versions);

    await database.db.update(products).set({ title: 'Changed title' }).where(eq(products.id, 7));
    const second = await sync.run();
    expect(second.changes).toBe(1);
    expect(second.rowQueries).toBe(1);
    expect((await readAll(client, `${family}_v1`)).get('7')?.title).toBe('Changed title');
  });
});
