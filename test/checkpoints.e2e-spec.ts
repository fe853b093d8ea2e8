import type { Client } from '@opensearch-project/opensearch';
import fc from 'fast-check';
import {
  type ChangePosition,
  FamilySync,
  type KeyColumn,
  type Loader,
  type VersionDefinition,
} from 'search-sync';
import { CheckpointStore, comparePositions } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { type ProductDto, productsFamily, productsV1 } from '../src/catalog/products.family.js';
import { expectedDocuments, expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

const numberKey = [{ kind: 'number', sqlType: 'integer' } as KeyColumn];
const textKey = [{ kind: 'text', sqlType: 'text' } as KeyColumn];

/** Active products only, and a transform that throws on poisoned titles. */
const picky: VersionDefinition<ProductDto> = {
  version: 2,
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  // Explicit: a dynamically mapped price races between long and float across concurrent bulk items.
  mappings: { properties: { title: { type: 'text' }, price: { type: 'float' } } },
  filter: (p) => p.active,
  transform: (p) => {
    if (p.title.startsWith('POISON')) throw new Error('poisoned');
    return { title: p.title, price: p.price };
  },
};

describe('checkpoints', () => {
  let database: TestDatabase;
  let client: Client;
  const families: string[] = [];
  const store = new CheckpointStore();

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
  });

  afterAll(async () => {
    for (const family of families) await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('only move forward, whoever writes them: the compare-and-set is in SQL', async () => {
    const at = (changeKey: number, id: number): ChangePosition => ({ changeKey, key: [id] });
    expect(await store.advance(database.db, 'cas', [1, 2], at(10, 5), numberKey)).toEqual([1, 2]);
    expect(await store.advance(database.db, 'cas', [1], at(10, 4), numberKey)).toEqual([]);
    expect(await store.advance(database.db, 'cas', [1], at(9, 99), numberKey)).toEqual([]);
    expect(await store.advance(database.db, 'cas', [1], at(10, 5), numberKey)).toEqual([]);
    // Keys compare as their SQL type, not as JSON text: 10 > 9.
    expect(await store.advance(database.db, 'cas', [2], at(10, 10), numberKey)).toEqual([2]);
    expect(await store.read(database.db, 'cas')).toEqual(
      new Map([
        [1, at(10, 5)],
        [2, at(10, 10)],
      ]),
    );
    // Text keys compare byte-wise (COLLATE "C"), as the keyset does: 'B' < 'a'.
    await store.advance(database.db, 'text', [1], { changeKey: 1, key: ['a'] }, textKey);
    expect(await store.advance(database.db, 'text', [1], { changeKey: 1, key: ['B'] }, textKey)).toEqual([]);
    // Concurrent writers in any order leave the maximum.
    const positions = fc.sample(fc.record({ changeKey: fc.nat(50), id: fc.nat(50) }), 40);
    await Promise.all(
      positions.map((p) => store.advance(database.db, 'race', [1], at(p.changeKey, p.id), numberKey)),
    );
    const max = positions.reduce((a, b) =>
      comparePositions(numberKey, at(b.changeKey, b.id), at(a.changeKey, a.id)) > 0 ? b : a,
    );
    expect((await store.read(database.db, 'race')).get(1)).toEqual(at(max.changeKey, max.id));
  });

  it('a run stopped between batches commits what it loaded and the next run finishes the work', async () => {
    await seedCatalog(database.db, { products: 3000 });
    const family = uniqueName('abort');
    families.push(family);
    const controller = new AbortController();
    const abortAfterFirstLoad =
      (loader: Loader): Loader =>
      async (operations) => {
        controller.abort();
        return loader(operations);
      };
    const options = { db: database.db, client, batchSize: 200, batchesInFlight: 2 };
    const stopped = new FamilySync(productsFamily(family), { ...options, wrapLoader: abortAfterFirstLoad });
    await stopped.prepare();
    const first = await stopped.run({ signal: controller.signal });
    expect(first.batches).toBeGreaterThan(0);
    expect(first.changes).toBeLessThan(3000);
    const checkpoints = await store.read(database.db, family);
    // At the run's end position; a transaction of another session open at the run's snapshot is listed
    // with it as pending (a shared server), which the report's position leaves out.
    expect(checkpoints.get(1)).toMatchObject(first.groups[0].end);
    expect(checkpoints.get(2)).toMatchObject(first.groups[0].end);
    expect((await readAll(client, `${family}_v1`)).size).toBe(first.changes);

    const rest = await new FamilySync(productsFamily(family), options).run();
    expect(first.changes + rest.changes).toBe(3000);
    await expectVersionsMatchSource(client, database, family, [productsV1]);
  });

  it('never move backwards, and every row ends in each version exactly once or as a dead letter', async () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('insert' as const), count: fc.integer({ min: 1, max: 30 }) }),
      fc.record({
        op: fc.constant('update' as const),
        id: fc.integer({ min: 1, max: 60 }),
        poison: fc.boolean(),
        active: fc.boolean(),
      }),
      fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constant('softDelete' as const), id: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constant('sync' as const), batchSize: fc.integer({ min: 1, max: 25 }) }),
    );
    // A small catalog of its own, so each generated history is quick to sync from scratch.
    const small = await createTestDatabase();
    await seedCatalog(small.db, { products: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const family = uniqueName('prop');
        families.push(family);
        const definition = productsFamily(family, [productsV1, picky]);
        const sync = (batchSize: number) => new FamilySync(definition, { db: small.db, client, batchSize });
        await sync(10).prepare();
        let seen = new Map<number, ChangePosition>();
        const checkForward = async () => {
          const now = await store.read(small.db, family);
          for (const [version, position] of seen) {
            expect(comparePositions(numberKey, now.get(version)!, position)).toBeGreaterThanOrEqual(0);
          }
          // A write behind the current position is refused, whoever attempts it.
          expect(
            await store.advance(small.db, family, [1, 2], { changeKey: 0, key: [0] }, numberKey),
          ).toEqual([]);
          seen = now;
        };
        for (const s of steps) {
          const sql = small.client;
          if (s.op === 'insert') {
            await sql`insert into products (sku, title, description, price, active, category_id)
              select 'P-' || gen_random_uuid(), 'Inserted', 'd', 10, true, (select min(id) from categories)
              from generate_series(1, ${s.count})`;
          } else if (s.op === 'update') {
            await sql`update products set title = ${s.poison ? 'POISON' : 'Clean'} || ' ' || id, active = ${s.active}
              where id = (select id from products order by id offset ${s.id} limit 1)`;
          } else if (s.op === 'delete') {
            await sql`delete from products where id = (select id from products order by id offset ${s.id} limit 1)`;
          } else if (s.op === 'softDelete') {
            await sql`update products set deleted_at = now()
              where id = (select id from products order by id offset ${s.id} limit 1)`;
          } else {
            await sync(s.batchSize).run();
            await checkForward();
          }
        }
        await sync(7).run();
        await checkForward();

        const letters = await sync(7).deadLetters();
        for (const version of [productsV1, picky]) {
          const index = await readAll(client, `${family}_v${version.version}`);
          const open = new Set(letters.filter((l) => l.version === version.version).map((l) => l.documentId));
          const safe: VersionDefinition<ProductDto> = {
            ...version,
            transform: (p) =>
              p.title.startsWith('POISON') && version === picky ? { poisoned: true } : version.transform(p),
          };
          for (const [id, document] of await expectedDocuments(small, safe)) {
            const diagnosis = `version ${version.version}, product ${id}; steps: ${JSON.stringify(steps)}`;
            // Exactly once in the index, or as a dead letter: a poisoned row must be one.
            if (document.poisoned) expect(open.has(id), diagnosis).toBe(true);
            else if (!open.has(id)) expect(index.get(id), diagnosis).toEqual(document);
          }
          const expectedIds = new Set((await expectedDocuments(small, safe)).keys());
          for (const id of index.keys())
            expect(expectedIds.has(id), `extra ${id} in v${version.version}`).toBe(true);
        }
      }),
      { numRuns: 15, endOnFailure: true },
    );
    await small.drop();
  });
});
