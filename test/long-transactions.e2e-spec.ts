import type { Client } from '@opensearch-project/opensearch';
import fc from 'fast-check';
import postgres from 'postgres';
import { type ChangePosition, FamilySync } from 'search-sync';
import { comparePositions } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const versions = [productsV1, productsV2];

describe('reading past transactions left open', () => {
  let database: TestDatabase;
  let client: Client;
  /** Sessions of their own, so transactions can be held open across runs. */
  let sessions: postgres.Sql;
  const families: string[] = [];

  const family = (batchSize = 7) => {
    const name = uniqueName('products');
    families.push(name);
    return new FamilySync(productsFamily(name, versions), { db: database.db, client, batchSize });
  };
  const open = async () => {
    const session = await sessions.reserve();
    await session`begin`;
    return session;
  };
  const end = async (session: postgres.ReservedSql, how: 'commit' | 'rollback') => {
    await session.unsafe(how);
    session.release();
  };
  const rename = (sql: postgres.Sql | postgres.ReservedSql, id: number, title: string) =>
    sql`update products set title = ${title}, updated_at = now() where id = ${id}`;
  const insert = (sql: postgres.Sql | postgres.ReservedSql, sku: string) =>
    sql`insert into products (sku, title, description, price, active, category_id)
      values (${sku}, ${`new ${sku}`}, 'from a long transaction', 10, true, (select min(id) from categories))`;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    sessions = postgres(database.url, { max: 6, onnotice: () => {} });
    await seedCatalog(database.db, { products: 300 });
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await sessions.end({ timeout: 5 });
    await client.close();
    await database.drop();
  });

  it("applies others' changes while a transaction stays open, and its own once it commits", async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    const long = await open();
    await rename(long, 1, 'written by the long transaction');
    await insert(long, 'LONG-1');
    for (let round = 0; round < 5; round++) {
      await rename(database.client, 10 + round, `round ${round}`);
      const report = await sync.run();
      expect(report.changes).toBeGreaterThanOrEqual(1);
      // The source as everyone else sees it: the open transaction's writes are not in it yet.
      await expectVersionsMatchSource(client, database, sync.name, versions);
    }
    await end(long, 'commit');
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    const [v1] = await sync.status();
    expect(v1.pendingChanges).toBe(0);
  });

  it('applies nothing of a transaction that rolls back, and nothing is left pending', async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    const long = await open();
    await rename(long, 2, 'never committed');
    const [{ id }] = await long`select pg_current_xact_id()::text as id`;
    await database.client`update products set price = price + 1 where id between 20 and 40`;
    await sync.run();
    const pending = () =>
      sync.status().then((all) => all.map((v) => (v.checkpoint as { pending?: number[] }).pending ?? []));
    expect(await pending()).toEqual([
      expect.arrayContaining([Number(id)]),
      expect.arrayContaining([Number(id)]),
    ]);
    await end(long, 'rollback');
    await database.client`update products set price = price + 1 where id between 41 and 45`;
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    // Other transactions of the server may be pending too (ids are server-wide); the rolled back one is not.
    for (const ids of await pending()) expect(ids).not.toContain(Number(id));
  });

  it('stays exact with several long transactions ending in any order, savepoints and a lock wait', async () => {
    const sync = family(3);
    await sync.prepare();
    await sync.run();
    const a = await open();
    const b = await open();
    const c = await open();
    await rename(a, 50, 'a');
    await b`savepoint s1`;
    await rename(b, 51, 'b undone');
    await b`rollback to savepoint s1`;
    await rename(b, 52, 'b kept');
    await insert(c, 'C-1');
    // b waits on the row lock a holds; its write lands after a commits, with a higher row version.
    const waiting = rename(b, 50, 'b after a');
    await rename(database.client, 53, 'outside');
    await sync.run();
    await end(c, 'commit');
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    await end(a, 'commit');
    await waiting;
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    await end(b, 'commit');
    await sync.run();
    await expectVersionsMatchSource(client, database, sync.name, versions);
    const title = await database.client`select title from products where id = 50`;
    expect(title[0].title).toBe('b after a');
  });

  it('ends equal to the source for random interleavings of transactions left open across runs', async () => {
    type Step =
      | { kind: 'open' | 'commit' | 'rollback' | 'run'; session: number }
      | { kind: 'write'; session: number; id: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constantFrom('open', 'commit', 'rollback', 'run'), session: fc.nat(2) }),
      fc.record({ kind: fc.constant('write'), session: fc.nat(3), id: fc.integer({ min: 100, max: 110 }) }),
    ) as fc.Arbitrary<Step>;
    let histories = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (steps, batchSize) => {
          histories++;
          const sync = family(batchSize);
          await sync.prepare();
          const held: (postgres.ReservedSql | null)[] = [null, null, null];
          const seen: ChangePosition[][] = [];
          const keys = sync.source.keys;
          try {
            for (const [i, s] of steps.entries()) {
              const session = held[s.session % 3];
              if (s.kind === 'open' && !session) held[s.session] = await open();
              else if ((s.kind === 'commit' || s.kind === 'rollback') && session) {
                await end(session, s.kind);
                held[s.session] = null;
              } else if (s.kind === 'write') {
                // Session 3 writes outside any transaction; an open session writes inside its own. Every
                // session writes rows of its own, so no write waits on another's lock.
                const id = s.id + 20 * s.session;
                await rename(
                  s.session === 3 ? database.client : (session ?? database.client),
                  id,
                  `step ${i}`,
                );
              } else if (s.kind === 'run') {
                await sync.run();
                seen.push((await sync.status()).map((v) => v.checkpoint!).filter(Boolean));
              }
            }
          } finally {
            for (const session of held) if (session) await end(session, 'commit');
          }
          await sync.run();
          await expectVersionsMatchSource(client, database, sync.name, versions);
          // Checkpoints never move back.
          for (let i = 1; i < seen.length; i++) {
            seen[i].forEach((position, v) => {
              if (seen[i - 1][v])
                expect(comparePositions(keys, position, seen[i - 1][v])).toBeGreaterThanOrEqual(0);
            });
          }
          await deleteIndexes(client, `${sync.name}_*`);
        },
      ),
      { numRuns: 12 },
    );
    console.log(`long transactions: ${histories} random interleavings, each ending equal to the source`);
  });
});
