import type { Client } from '@opensearch-project/opensearch';
import fc from 'fast-check';
import { FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const versions = [productsV1, productsV2];

describe('related rows re-index the documents that embed them', () => {
  let database: TestDatabase;
  let client: Client;
  const families: string[] = [];
  const family = (batchSize = 500) => {
    const name = uniqueName('products');
    families.push(name);
    return new FamilySync(productsFamily(name, versions), { db: database.db, client, batchSize });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 3000 });
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await client.close();
    await database.drop();
  });

  // Writers that record related changes as fast as a run consumes them must not keep the run going: a
  // trigger here records a new category change each time the fan-out deletes a round of them.
  it("ends a run whose fan-out meets related changes recorded while it runs; they are the next run's", async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    const [{ id: category }] = await database.client`select min(id) as id from categories`;
    await database.client.unsafe(`
      create function pin_related_writer() returns trigger language plpgsql as $$
      begin
        update categories set name = name || '.' where id = ${category};
        return null;
      end $$;
      create trigger pin_related_writer after delete on search_sync.related_changes
        for each statement execute function pin_related_writer();`);
    try {
      await database.client`update categories set name = 'Busy category' where id = ${category}`;
      const busy = await sync.run();
      expect(busy.relatedParents).toBeGreaterThan(0);
      const [{ waiting }] = await database.client`
        select count(*)::int as waiting from search_sync.related_changes`;
      expect(waiting).toBeGreaterThan(0);
    } finally {
      await database.client.unsafe(`
        drop trigger pin_related_writer on search_sync.related_changes;
        drop function pin_related_writer();`);
    }
    await sync.run();
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
  });

  it('follows a category rename, a tag rename, a tag removed, a product moved and a tag deleted, under writers', async () => {
    const sync = family();
    await sync.prepare();
    expect(sync.relatedPaths.map((p) => p.path)).toEqual(['category', 'tags', 'tags.tag']);
    const first = await sync.run();
    // The seed wrote each product and its tags in one transaction: nothing to touch, each read once.
    expect(first.relatedParents).toBe(0);
    expect(first.changes).toBe(3000);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await database.client`update products set title = ${`written ${i}`} where id = ${1 + ((i * 37) % 3000)}`;
      }
    })();
    try {
      const [{ id: category, count }] = await database.client`
        select category_id as id, count(*)::int as count from products group by category_id order by category_id limit 1`;
      await database.client`update categories set name = 'Renamed category' where id = ${category}`;
      const renamed = await sync.run();
      expect(renamed.relatedParents).toBe(count);

      const [{ id: tag }] = await database.client`select min(id) as id from tags`;
      await database.client`update tags set name = 'renamed-tag' where id = ${tag}`;
      const [{ id: tagged }] =
        await database.client`select min(product_id) as id from product_tags where tag_id = ${tag}`;
      await database.client`delete from product_tags where product_id = ${tagged} and tag_id = ${tag}`;
      await database.client`update products set category_id = (select max(id) from categories) where id = 7`;
      const [{ id: doomed }] = await database.client`select max(id) as id from tags`;
      await database.client.begin(async (tx) => {
        await tx`delete from product_tags where tag_id = ${doomed}`;
        await tx`delete from tags where id = ${doomed}`;
      });
      await sync.run();
    } finally {
      writing = false;
      await writer;
    }
    // The writer has stopped: one more run, and every version equals the source as it is now.
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    const reports = await sync.reconcile();
    for (const report of reports)
      expect(report).toMatchObject({ missing: 0, stale: 0, orphans: 0, repaired: 0 });
  });

  it('re-indexes nothing for a change to a column no document embeds', async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    await database.client`update categories set description = 'not in any document'`;
    const report = await sync.run();
    expect(report.relatedParents).toBe(0);
    expect(report.operations).toBe(0);
  });

  it('ends equal to the source for random histories mixing product and related writes', {
    timeout: 300_000,
  }, async () => {
    // One family goes through every history in turn: each starts where the previous one left the data.
    const sync = family(5);
    await sync.prepare();
    await sync.run();
    let histories = 0;
    const write = fc.oneof(
      fc.record({ kind: fc.constant('title' as const), id: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('category' as const), n: fc.nat(9) }),
      fc.record({ kind: fc.constant('tag' as const), n: fc.nat(7) }),
      fc.record({ kind: fc.constant('untag' as const), id: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('retag' as const), id: fc.integer({ min: 1, max: 40 }), n: fc.nat(7) }),
      fc.record({ kind: fc.constant('move' as const), id: fc.integer({ min: 1, max: 40 }), n: fc.nat(9) }),
      fc.record({ kind: fc.constant('run' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 3, maxLength: 15 }), async (steps) => {
        histories++;
        for (const [i, step] of steps.entries()) {
          const sql = database.client;
          const label = `${histories}-${i}`;
          if (step.kind === 'run') await sync.run();
          else if (step.kind === 'title')
            await sql`update products set title = ${`t${label}`} where id = ${step.id}`;
          else if (step.kind === 'category')
            await sql`update categories set name = ${`c${label}`} where id = (select id from categories order by id limit 1 offset ${step.n})`;
          else if (step.kind === 'tag')
            await sql`update tags set name = ${`g${label}`} where id = (select id from tags order by id limit 1 offset ${step.n})`;
          else if (step.kind === 'untag')
            await sql`delete from product_tags where product_id = ${step.id} and tag_id = (select min(tag_id) from product_tags where product_id = ${step.id})`;
          else if (step.kind === 'retag')
            await sql`insert into product_tags (product_id, tag_id) values (${step.id}, (select id from tags order by id limit 1 offset ${step.n})) on conflict do nothing`;
          else
            await sql`update products set category_id = (select id from categories order by id limit 1 offset ${step.n}) where id = ${step.id}`;
        }
        await sync.run();
        await expectVersionsMatchSource(client, database, sync.name, versions);
      }),
      { numRuns: 12 },
    );
    console.log(`related rows: ${histories} random histories, each ending equal to the source`);
  });
});
