import type { Client } from '@opensearch-project/opensearch';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import fc from 'fast-check';
import type postgres from 'postgres';
import { FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  articlesFamily,
  articlesSchema,
  createArticleTables,
  seedArticles,
} from './fixtures/articles.schema.js';
import { expectArticlesMatchSource } from './support/articles.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const HANDLES = ['ann', 'bob', 'cy', 'dee', 'eve'] as const;

/** One write of a history: to an article (the parent) or to a related row (author, publisher, label). */
const write = fc.oneof(
  fc.record({ kind: fc.constant('title' as const), n: fc.nat(119) }),
  fc.record({ kind: fc.constant('move' as const), n: fc.nat(119), handle: fc.constantFrom(...HANDLES) }),
  fc.record({ kind: fc.constant('rename-author' as const), handle: fc.constantFrom(...HANDLES) }),
  fc.record({ kind: fc.constant('insert-author' as const), handle: fc.constantFrom(...HANDLES) }),
  fc.record({ kind: fc.constant('delete-author' as const), handle: fc.constantFrom(...HANDLES) }),
  fc.record({ kind: fc.constant('rename-publisher' as const), id: fc.constantFrom(1, 2) }),
  fc.record({ kind: fc.constant('rename-label' as const), id: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('label' as const), n: fc.nat(119), id: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('unlabel' as const), n: fc.nat(119) }),
);
type Write = typeof write extends fc.Arbitrary<infer W> ? W : never;

/** A step: one write, several in one transaction (committed or rolled back), a run, or a restart. */
const step = fc.oneof(
  write.map((w) => ({ kind: 'write' as const, writes: [w], rollback: false })),
  fc.record({
    kind: fc.constant('transaction' as const),
    writes: fc.array(write, { minLength: 2, maxLength: 4 }),
    rollback: fc.boolean(),
  }),
  fc.constant({ kind: 'run' as const }),
  fc.constant({ kind: 'restart' as const }),
);

let seq = 0;
async function apply(sql: postgres.TransactionSql | postgres.Sql, w: Write): Promise<void> {
  const nth = (n: number) => sql`(select id from articles order by id offset ${n} limit 1)`;
  seq++;
  switch (w.kind) {
    case 'title':
      return void (await sql`update articles set title = ${`title ${seq}`} where id = ${nth(w.n)}`);
    case 'move':
      return void (await sql`update articles set author_handle = ${w.handle} where id = ${nth(w.n)}`);
    case 'rename-author':
      return void (await sql`update authors set name = ${`${w.handle} ${seq}`} where handle = ${w.handle}`);
    case 'insert-author':
      return void (await sql`insert into authors values (${w.handle}, ${`${w.handle} ${seq}`}, ${1 + (seq % 2)})
        on conflict (handle) do nothing`);
    case 'delete-author':
      return void (await sql`delete from authors where handle = ${w.handle}`);
    case 'rename-publisher':
      return void (await sql`update publishers set name = ${`publisher ${seq}`} where id = ${w.id}`);
    case 'rename-label':
      return void (await sql`update labels set name = ${`label ${seq}`} where id = ${w.id}`);
    case 'label':
      return void (await sql`insert into article_labels values (${nth(w.n)}, ${w.id}) on conflict do nothing`);
    case 'unlabel':
      return void (await sql`delete from article_labels where article_id = ${nth(w.n)}`);
  }
}

/**
 * Random histories over a schema that is not the demo's, where parents and their related rows are
 * written in the same transactions (both orders), transactions roll back, referenced rows are inserted
 * after the rows naming them (no foreign key), and the application restarts between commits and runs.
 * One family tracks every relation; another opted out of label renames and relies on content reconcile.
 * After the last run (and that reconcile), every version equals what its transform makes of the database.
 */
describe('related rows through random histories', () => {
  let database: TestDatabase;
  let db: PostgresJsDatabase<typeof articlesSchema>;
  let client: Client;
  const families: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    db = drizzle(database.client, { schema: articlesSchema });
    client = createClient();
    await createArticleTables(db);
    await seedArticles(database.client);
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await client.close();
    await database?.drop();
  });

  it('ends with every version equal to its transform of the database', { timeout: 600_000 }, async () => {
    const tracked = uniqueName('articles');
    const optedOut = uniqueName('articles');
    families.push(tracked, optedOut);
    const start = async () => {
      const both = [
        new FamilySync(articlesFamily(tracked), { db, client, batchSize: 7 }),
        new FamilySync(articlesFamily(optedOut, { 'labels.label': false }), { db, client, batchSize: 7 }),
      ];
      for (const sync of both) await sync.prepare();
      return both;
    };
    let syncs = await start();
    for (const sync of syncs) await sync.run();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 12 }), async (steps) => {
        for (const s of steps) {
          if (s.kind === 'run') for (const sync of syncs) await sync.run();
          else if (s.kind === 'restart') syncs = await start();
          else if (s.kind === 'write') await apply(database.client, s.writes[0]);
          else {
            await database.client
              .begin(async (tx) => {
                for (const w of s.writes) await apply(tx, w);
                if (s.rollback) throw new Error('rolled back');
              })
              .catch((error: Error) => {
                if (error.message !== 'rolled back') throw error;
              });
          }
        }
        syncs = await start();
        for (const sync of syncs) await sync.run();
        await syncs[1].reconcile(1, { content: true });
        await expectArticlesMatchSource(client, db, tracked);
        await expectArticlesMatchSource(client, db, optedOut);
      }),
      { numRuns: 12, seed: Number(process.env.HISTORY_SEED ?? Date.now() % 100_000) },
    );
  });
});
