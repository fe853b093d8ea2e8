import type { Client } from '@opensearch-project/opensearch';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { FamilySync, installRelatedCapture } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articles,
  articlesFamily,
  articlesSchema,
  articlesWith,
  createArticleTables,
  seedArticles,
} from './fixtures/articles.schema.js';
import { expectArticlesMatchSource } from './support/articles.expect.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const ARTICLES = 120;

/**
 * Content reconcile: documents whose content changed while their row version did not (an opted-out
 * relation's rename, a write behind the library's back at the same version) are invisible to counts and
 * row-version sums, and found and repaired by comparing each document with what the version makes now.
 */
describe('content reconcile', () => {
  let database: TestDatabase;
  let db: PostgresJsDatabase<typeof articlesSchema>;
  let client: Client;
  const families: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    db = drizzle(database.client, { schema: articlesSchema });
    client = createClient();
    // Label renames are left to reconcile: the label relation has no trigger.
    await createArticleTables(db, ['labels.label']);
    await seedArticles(database.client);
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await client.close();
    await database?.drop();
  });

  const family = async () => {
    const name = uniqueName('articles');
    families.push(name);
    const sync = new FamilySync(articlesFamily(name, { 'labels.label': false }), {
      db,
      client,
      batchSize: 50,
    });
    await sync.prepare();
    // The first version serves at once.
    await sync.run();
    return sync;
  };

  it('finds and repairs the documents of an opted-out relation renamed, which a version-sum reconcile cannot see', async () => {
    const sync = await family();
    await database.client`update labels set name = 'renamed label' where id = 1`;
    const run = await sync.run();
    expect(run.relatedParents).toBe(0);
    const [bySums] = await sync.reconcile();
    expect(bySums).toMatchObject({ missing: 0, stale: 0, orphans: 0, repaired: 0 });

    const [byContent] = await sync.reconcile(1, { content: true });
    expect(byContent).toMatchObject({
      compared: ARTICLES,
      missing: 0,
      stale: ARTICLES / 5,
      orphans: 0,
      repaired: ARTICLES / 5,
      failed: 0,
    });
    await expectArticlesMatchSource(client, db, sync.name);
    const [again] = await sync.reconcile(1, { content: true });
    expect(again).toMatchObject({ compared: ARTICLES, stale: 0, repaired: 0 });
  });

  it('finds a document overwritten behind the library back at the same version, and later syncs still apply', async () => {
    const sync = await family();
    const [{ id, rv }] =
      await database.client`select id, search_sync_row_version::int as rv from articles limit 1`;
    await client.index({
      index: `${sync.name}_v1`,
      id,
      version: rv,
      version_type: 'external_gte',
      body: { title: 'written behind the back', author: null, publisher: null, labels: [] },
      refresh: true,
    });
    const [report] = await sync.reconcile(1, { content: true });
    expect(report).toMatchObject({ stale: 1, repaired: 1, failed: 0 });
    await database.client`update articles set title = 'written later' where id = ${id}`;
    await sync.run();
    await expectArticlesMatchSource(client, db, sync.name);
  });

  it('compares a share of the documents when sampled, and repairs what it compared', async () => {
    const sync = await family();
    await database.client`update labels set name = 'sampled label' where id = 2`;
    const [sampled] = await sync.reconcile(1, { sample: 0.25 });
    expect(sampled.compared).toBeGreaterThan(0);
    expect(sampled.compared).toBeLessThan(ARTICLES);
    expect(sampled.repaired).toBe(sampled.stale);
    const [whole] = await sync.reconcile(1, { content: true });
    expect(whole.compared).toBe(ARTICLES);
    expect(whole.stale).toBe(ARTICLES / 5 - sampled.stale);
    await expectArticlesMatchSource(client, db, sync.name);
    await expect(sync.reconcile(1, { sample: 0 })).rejects.toThrow(/sample must be a share/);
  });

  it('installs no trigger for an opted-out relation, drops one left from before, and says so until then', async () => {
    const triggersOnLabels = async () =>
      (
        await database.client<{ n: number }[]>`
          select count(*)::int as n from pg_trigger where tgrelid = 'labels'::regclass and not tgisinternal`
      )[0].n;
    const queued = async () =>
      (
        await database.client<{ n: number }[]>`
          select count(*)::int as n from search_sync.related_changes where path = 'labels.label'`
      )[0].n;
    expect(await triggersOnLabels()).toBe(0);
    await database.client`update labels set name = name || '!' where id = 3`;
    expect(await queued()).toBe(0);

    // Installed while the relation was tracked, then opted out: bootstrap says what to do until it is done.
    await installRelatedCapture(db, { table: articles, with: articlesWith, schema: articlesSchema });
    expect(await triggersOnLabels()).toBe(2);
    const sync = await family();
    const { notices } = await sync.prepare();
    expect(notices).toEqual([
      expect.stringMatching(/opted out of re-indexing on "labels.label".*capture-migration/),
    ]);
    await installRelatedCapture(db, {
      table: articles,
      with: articlesWith,
      schema: articlesSchema,
      untracked: ['labels.label'],
    });
    expect(await triggersOnLabels()).toBe(0);
    expect((await sync.prepare()).notices).toEqual([]);
  });
});
