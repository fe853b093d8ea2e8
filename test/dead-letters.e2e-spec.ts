import type { Client } from '@opensearch-project/opensearch';
import { eq, inArray } from 'drizzle-orm';
import { FamilySync, type VersionDefinition } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { type ProductDto, productsFamily, productsV1 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

/** A version whose mapping rejects some rows (a rating that is not a number) and whose transform throws on others. */
const strict: VersionDefinition<ProductDto> = {
  version: 2,
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: { properties: { title: { type: 'text' }, rating: { type: 'integer' } } },
  transform: (p) => {
    if (p.title.startsWith('THROW')) throw new Error(`cannot transform product ${p.id}`);
    return { title: p.title, rating: p.title.startsWith('BAD') ? 'not a number' : 1 };
  },
};
const expectedStrict: VersionDefinition<ProductDto> = {
  ...strict,
  transform: (p) => ({ title: p.title, rating: 1 }),
};

describe('dead letters', () => {
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

  it('keeps a rejected document with its reason, indexes the rest, moves on, and replays it once fixed', async () => {
    await database.db.update(products).set({ title: 'BAD rating' }).where(eq(products.id, 10));
    await database.db.update(products).set({ title: 'THROW in transform' }).where(eq(products.id, 20));
    const sync = new FamilySync(productsFamily(family, [productsV1, strict]), {
      db: database.db,
      client,
      batchSize: 500,
    });
    await sync.prepare();
    const report = await sync.run();
    expect(report.deadLetters).toBe(2);

    const letters = await sync.deadLetters();
    expect(letters).toHaveLength(2);
    const mapping = letters.find((l) => l.documentId === '10');
    expect(mapping).toMatchObject({
      version: 2,
      operation: 'index',
      statusCode: 400,
      errorType: 'mapper_parsing_exception',
    });
    expect(mapping?.reason).toMatch(/rating/);
    expect(mapping?.document).toEqual({ title: 'BAD rating', rating: 'not a number' });
    expect(letters.find((l) => l.documentId === '20')).toMatchObject({
      errorType: 'transform_error',
      statusCode: null,
    });

    // The rest of the batch is there, in both versions, and the checkpoint moved past the rejected rows.
    const v2 = await readAll(client, `${family}_v2`);
    expect(v2.size).toBe(1998);
    expect((await readAll(client, `${family}_v1`)).get('10')).toMatchObject({ title: 'BAD rating' });
    expect((await sync.run()).changes).toBe(0);

    // Replay reads the source as it is now: unchanged rows fail again (attempts grow), fixed rows go in.
    expect(await sync.replay()).toEqual({ replayed: 2, resolved: 0, failed: 2 });
    expect((await sync.deadLetters()).map((l) => l.attempts)).toEqual([2, 2]);
    await database.client`update products set title = 'Fixed ' || id where id in (10, 20)`;
    expect(await sync.replay({ ids: [mapping!.id] })).toEqual({ replayed: 1, resolved: 1, failed: 0 });
    expect((await readAll(client, `${family}_v2`)).get('10')).toEqual({ title: 'Fixed 10', rating: 1 });
    const resolved = await sync.deadLetters({ includeResolved: true });
    expect(resolved.find((l) => l.documentId === '10')?.resolvedAt).toBeInstanceOf(Date);

    // The next run writes product 20 afresh, which supersedes (and resolves) its dead letter.
    await sync.run();
    expect(await sync.deadLetters()).toEqual([]);
    await expectVersionsMatchSource(client, database, family, [productsV1, expectedStrict]);
  });

  it('replays a dead letter of a row deleted since as a delete', async () => {
    await database.db.update(products).set({ title: 'BAD again' }).where(eq(products.id, 30));
    const sync = new FamilySync(productsFamily(family, [productsV1, strict]), { db: database.db, client });
    await sync.run();
    expect((await sync.deadLetters()).map((l) => l.documentId)).toEqual(['30']);
    await database.db.delete(products).where(inArray(products.id, [30]));
    expect(await sync.replay()).toEqual({ replayed: 1, resolved: 1, failed: 0 });
    expect((await readAll(client, `${family}_v2`)).has('30')).toBe(false);
  });
});
