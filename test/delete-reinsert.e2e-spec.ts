import type { Client } from '@opensearch-project/opensearch';
import { FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const COLUMNS = 'id, sku, title, description, price, active, category_id, updated_at, deleted_at';

/**
 * A key deleted and inserted again, in one statement or in one transaction: the row that exists at the
 * end is what the index must hold. In one statement the delete's AFTER trigger would run at the end of
 * it, after the insert took its row version, and give the delete the higher one.
 */
describe('a row deleted and inserted again under the same key', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('products');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 200 });
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('keeps the document whichever way the key comes back', async () => {
    const sync = new FamilySync(productsFamily(family, [productsV1]), { db: database.db, client });
    await sync.prepare();
    await sync.run();
    // One statement: a data-modifying CTE deletes the rows and inserts them again.
    await database.client.unsafe(`
      with gone as (delete from products where id between 1 and 20 returning ${COLUMNS})
      insert into products (${COLUMNS}) select ${COLUMNS} from gone`);
    // One transaction, two statements, and a delete, insert, delete, insert chain.
    await database.client.begin(async (tx) => {
      await tx.unsafe(`
        create temporary table kept on commit drop as select ${COLUMNS} from products where id between 21 and 30;
        delete from products where id between 21 and 30;
        insert into products (${COLUMNS}) select ${COLUMNS} from kept;
        delete from products where id between 21 and 25;
        insert into products (${COLUMNS}) select ${COLUMNS} from kept where id between 21 and 25`);
    });
    // And a key that ends deleted after being inserted again in the same statement's transaction.
    await database.client.begin(async (tx) => {
      await tx.unsafe(`
        with gone as (delete from products where id = 31 returning ${COLUMNS})
        insert into products (${COLUMNS}) select ${COLUMNS} from gone;
        delete from products where id = 31`);
    });
    const report = await sync.run();
    expect(report.deadLetters).toBe(0);
    await expectVersionsMatchSource(client, database, family, [productsV1]);
    const { body } = await client.count({ index: `${family}_v1` });
    const [{ count }] =
      await database.client`select count(*)::int as count from products where deleted_at is null`;
    expect(body.count).toBe(count);
  });
});
