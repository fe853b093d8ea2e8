import type { Client } from '@opensearch-project/opensearch';
import { type FamilyDefinition, type FamilyRefresh, FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { type ProductDto, productsFamily, productsV1 } from '../src/catalog/products.family.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/** Version 1 as declared, but never refreshed by OpenSearch on its own: only an explicit refresh shows writes. */
const neverRefreshed = {
  ...productsV1,
  settings: { ...productsV1.settings, refresh_interval: '-1' },
};

/**
 * `refresh: 'after-run'`: a run that wrote to live versions refreshes their indexes before it returns, so
 * what it synced is searchable at once, without waiting for the index's periodic refresh.
 */
describe("a family's refresh after each run", () => {
  let database: TestDatabase;
  let client: Client;
  const families = {
    refreshed: uniqueName('refreshed'),
    periodic: uniqueName('periodic'),
    byDefault: uniqueName('by_default'),
    overridden: uniqueName('overridden'),
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 100 });
  });

  afterAll(async () => {
    for (const family of Object.values(families)) await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  const searchable = async (family: string, word: string) => {
    const { body } = await client.count({
      index: `${family}_v1`,
      body: { query: { match: { title: word } } },
    });
    return body.count;
  };

  const prepared = async (definition: FamilyDefinition<ProductDto>, refresh?: FamilyRefresh) => {
    const sync = new FamilySync(definition, { db: database.db, client, refresh });
    await sync.prepare();
    await sync.run();
    return sync;
  };

  it('makes what a live run wrote searchable when the run returns', async () => {
    const refreshed = await prepared({
      ...productsFamily(families.refreshed, [neverRefreshed]),
      refresh: 'after-run',
    });
    const periodic = await prepared(productsFamily(families.periodic, [neverRefreshed]));
    await database.client`
      update products set title = 'zirconium ' || title where id <= 10 and deleted_at is null and active`;
    const [{ changed }] = await database.client`
      select count(*)::int as changed from products where title like 'zirconium %'`;
    expect(changed).toBeGreaterThan(0);

    expect((await refreshed.run()).operations).toBe(changed);
    expect((await periodic.run()).operations).toBe(changed);
    expect(await searchable(families.refreshed, 'zirconium')).toBe(changed);
    // Without it the writes wait for a refresh this index never makes on its own.
    expect(await searchable(families.periodic, 'zirconium')).toBe(0);
    await client.indices.refresh({ index: `${families.periodic}_v1` });
    expect(await searchable(families.periodic, 'zirconium')).toBe(changed);
  });

  it("takes the options' refresh as every family's default, which a family's own overrides", async () => {
    const byDefault = await prepared(productsFamily(families.byDefault, [neverRefreshed]), 'after-run');
    const overridden = await prepared(
      { ...productsFamily(families.overridden, [neverRefreshed]), refresh: 'interval' },
      'after-run',
    );
    await database.client`
      update products set title = 'molybdenum ' || title where id <= 20 and deleted_at is null and active`;
    const [{ changed }] = await database.client`
      select count(*)::int as changed from products where title like 'molybdenum %'`;
    expect(changed).toBeGreaterThan(0);

    expect((await byDefault.run()).operations).toBe(changed);
    expect((await overridden.run()).operations).toBe(changed);
    expect(await searchable(families.byDefault, 'molybdenum')).toBe(changed);
    expect(await searchable(families.overridden, 'molybdenum')).toBe(0);
  });

  it('refuses an unknown refresh in the options when the family is declared', () => {
    expect(
      () =>
        new FamilySync(productsFamily(uniqueName('bad'), [neverRefreshed]), {
          db: database.db,
          client,
          refresh: 'sometimes' as FamilyRefresh,
        }),
    ).toThrow(/refresh "sometimes" is not one of 'interval', 'after-run'/);
  });
});
