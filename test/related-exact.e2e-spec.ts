import { execFile, execFileSync } from 'node:child_process';
import type { Client } from '@opensearch-project/opensearch';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { FamilySync, installRelatedCapture } from 'search-sync';
import { formerDefinitionHash } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articles,
  articlesFamily,
  articlesSchema,
  articlesV1,
  articlesWith,
  createArticleTables,
  seedArticles,
} from './fixtures/articles.schema.js';
import { expectArticlesMatchSource } from './support/articles.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

const BIN = 'libs/search-sync/dist/cli/main.js';
const MODULE = 'dist/test/fixtures/articles.module.js';

/**
 * Related rows on a schema that is not the demo's (uuid, text and composite keys, a relation two levels
 * up, no foreign keys), in the situations a moving world brings: a parent and its related row written
 * in one transaction, referenced rows inserted after the rows that point at them, and an application
 * restarted (a new process) after a related change it has not synced yet.
 */
describe('related rows stay exact', () => {
  let database: TestDatabase;
  let db: PostgresJsDatabase<typeof articlesSchema>;
  let client: Client;
  const families: string[] = [];

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
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

  const family = (untracked: readonly string[] = []) => {
    const name = uniqueName('articles');
    families.push(name);
    const reindexOnUpdate = Object.fromEntries(untracked.map((path) => [path, false]));
    return new FamilySync(articlesFamily(name, reindexOnUpdate), { db, client, batchSize: 50 });
  };

  const expectIndexMatchesSource = (name: string) => expectArticlesMatchSource(client, db, name);

  it('re-indexes every article of an author renamed in the transaction that also wrote one of them', async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    await database.client.begin(async (tx) => {
      await tx`update articles set title = 'edited' where id = (
        select id from articles where author_handle = 'ann' order by id limit 1)`;
      await tx`update authors set name = 'Ann Renamed' where handle = 'ann'`;
    });
    // Status says what waits to re-index the family's documents (the run has not seen it yet).
    expect(await sync.relatedStatus()).toMatchObject({
      waiting: 1,
      oldestSeconds: expect.any(Number),
      tracked: ['author', 'author.publisher', 'labels', 'labels.label'],
      optedOut: [],
    });
    await sync.run();
    expect(await sync.relatedStatus()).toMatchObject({ waiting: 0, oldestSeconds: null });
    await expectIndexMatchesSource(sync.name);
    // The other order: the related row first, then one of its parents.
    await database.client.begin(async (tx) => {
      await tx`update authors set name = 'Ann Again' where handle = 'ann'`;
      await tx`update articles set title = 'edited again' where id = (
        select id from articles where author_handle = 'ann' order by id desc limit 1)`;
    });
    await sync.run();
    await expectIndexMatchesSource(sync.name);
  });

  it('re-indexes the articles that already name an author when the author is inserted, and re-inserted', async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    await database.client`insert into authors values ('dee', 'Dee', 2)`;
    const inserted = await sync.run();
    expect(inserted.relatedParents).toBe(2);
    await expectIndexMatchesSource(sync.name);
    await database.client.begin(async (tx) => {
      await tx`delete from authors where handle = 'dee'`;
      await tx`insert into authors values ('dee', 'Dee Again', 1)`;
    });
    await sync.run();
    await expectIndexMatchesSource(sync.name);
  });

  function cli(name: string, args: readonly string[], untracked = '') {
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL,
      ARTICLES_FAMILY: name,
      UNTRACKED: untracked,
    };
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('node', [BIN, ...args, '--module', MODULE], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
      ),
    );
  }

  it('starts again after a related change it has not synced yet, tracked or opted out', async () => {
    for (const untracked of ['', 'author']) {
      const name = uniqueName('articles');
      families.push(name);
      const first = await cli(name, ['sync', name], untracked);
      // Opted out while its triggers stay installed (this database's tables track every relation): every
      // command says so, and starts.
      const stderr = untracked ? expect.stringContaining('opted out of re-indexing on "author"') : '';
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr });
      // Data changes while no instance runs: every command that bootstraps must still start.
      await database.client`update authors set name = ${`Ann ${untracked || 'tracked'}`} where handle = 'ann'`;
      await database.client`update publishers set name = ${`Penguin ${untracked || 'tracked'}`} where id = 1`;
      for (const command of [['status'], ['sync', name], ['reconcile', name]]) {
        const outcome = await cli(name, command, untracked);
        expect({ command, code: outcome.code, stderr: outcome.stderr }).toEqual({
          command,
          code: 0,
          // status reads; it does not bootstrap the family.
          stderr: command[0] === 'status' ? '' : stderr,
        });
      }
      if (untracked) {
        // The opted-out rename is drift until a content reconcile, from the command line too.
        const content = await cli(name, ['reconcile', name, '--content', '--json'], untracked);
        expect(content.code).toBe(4);
        const [report] = JSON.parse(content.stdout) as {
          compared: number;
          stale: number;
          repaired: number;
        }[];
        expect(report.compared).toBe(120);
        // Ann's hundred articles at least (her publisher was renamed too, and may publish others).
        expect(report.stale).toBeGreaterThanOrEqual(100);
        expect(report.repaired).toBe(report.stale);
      }
      await expectIndexMatchesSource(name);
    }
  });

  it('takes over a version stored by an earlier library version: its former hash, a sample without rows', async () => {
    const sync = family();
    await sync.prepare();
    await sync.run();
    const stored = async () =>
      (
        await database.client<{ hash: string; inputs: number; rows: number }[]>`
          select definition_hash as hash, jsonb_array_length(sample) as rows,
            (select count(*)::int from jsonb_array_elements(sample) e where e ? 'input') as inputs
          from search_sync.versions where family = ${sync.name} and version = 1`
      )[0];
    const current = await stored();
    expect(current.inputs).toBe(current.rows);
    expect(current.rows).toBeGreaterThan(0);
    // What 0.2 stored: the hash of the transform's text as written, and documents' hashes without rows.
    await database.client`update search_sync.versions
      set definition_hash = ${formerDefinitionHash(articlesV1)},
        sample = (select jsonb_agg(e - 'input') from jsonb_array_elements(sample) e)
      where family = ${sync.name} and version = 1`;
    await database.client`update authors set name = 'Ann Upgraded' where handle = 'ann'`;
    const upgraded = new FamilySync(articlesFamily(sync.name), { db, client, batchSize: 50 });
    await upgraded.prepare();
    expect(await stored()).toEqual(current);
    await upgraded.run();
    await expectIndexMatchesSource(sync.name);
  });

  it('refuses to start without a tracked relation trigger, naming the family, the relation and the fix', async () => {
    const [{ trigger }] = await database.client<{ trigger: string }[]>`
      select tgname as trigger from pg_trigger
      where tgrelid = 'publishers'::regclass and not tgisinternal and tgname not like '%\_u' limit 1`;
    await database.client.unsafe(`drop trigger "${trigger}" on publishers`);
    try {
      const sync = family();
      await expect(sync.prepare()).rejects.toThrow(
        new RegExp(
          `^Family "${sync.name}" tracks relation "author.publisher", but table "public.publishers" has no trigger.*` +
            `search-sync capture-migration ${sync.name}.*relatedChangeCaptureSql\\(\\)`,
        ),
      );
    } finally {
      await installRelatedCapture(db, { table: articles, with: articlesWith, schema: articlesSchema });
    }
  });
});
