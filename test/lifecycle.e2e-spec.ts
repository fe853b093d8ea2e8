import type { Client } from '@opensearch-project/opensearch';
import { FamilySync, LeaseLostError, LifecycleRefusedError, UnknownVersionError } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { aliasTargets, createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

describe('promotion refusals without Nest', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('products');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 2000 });
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('refuses a live version whose checkpoint is behind the serving one, until a run reads both', async () => {
    const options = { db: database.db, client };
    // An instance still deployed with v1 alone keeps syncing it; the new deployment declares v1 and v2.
    const old = new FamilySync(productsFamily(family, [productsV1]), options);
    await old.prepare();
    await old.run();
    const both = new FamilySync(productsFamily(family, [productsV1, productsV2]), options);
    await both.prepare();
    await both.run();
    expect((await both.status()).map((v) => v.state)).toEqual(['serving', 'live']);

    // A product v1 now shows but v2 has never seen: promoting v2 would hide it from search.
    await database.client`insert into products (sku, title, description, price, active, category_id)
      values ('NEW-1', 'Only in v1', 'written after v2 caught up', 10, true, (select min(id) from categories))`;
    await old.run();
    const refused = await both.promote(2).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LifecycleRefusedError);
    expect((refused as Error).message).toMatch(
      /version 2 cannot be promoted: it is behind the serving version 1 \(checkpoint \d+ < \d+\): run a sync first/,
    );
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);

    await both.run();
    // A fence that finds the lease gone (another instance took over) stops the promotion before the alias moves.
    const lostLease = async () => {
      throw new LeaseLostError(family, 'this instance');
    };
    await expect(both.promote(2, { fence: lostLease })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);
    expect(await both.promote(2)).toEqual({ alias: family, index: `${family}_v2`, previous: `${family}_v1` });
    expect(await aliasTargets(client, family)).toEqual([`${family}_v2`]);
  });

  it('refuses versions that are not declared (unknown) or already serve', async () => {
    const both = new FamilySync(productsFamily(family, [productsV1, productsV2]), {
      db: database.db,
      client,
    });
    await expect(both.promote(3)).rejects.toThrow(new UnknownVersionError(family, 3, [1, 2]).message);
    await expect(both.promote(2)).rejects.toThrow(/version 2 cannot be promoted: it already serves/);
  });
});
