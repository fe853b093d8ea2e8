import type { Client } from '@opensearch-project/opensearch';
import type { PgTable } from 'drizzle-orm/pg-core';
import { FamilySync, type Loader, type SyncDatabase } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bigintItems,
  createKeyedTables,
  integerItems,
  pairItems,
  tenantItems,
  textItems,
  uuidItems,
} from './fixtures/keyed.tables.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

type Item = { title: string };

/** Documents by id as the source holds them now: `{ title }` for every row. */
async function sourceTitles(database: TestDatabase, table: string, id: string): Promise<Map<string, Item>> {
  const rows = await database.client.unsafe(`select ${id} as id, title from ${table}`);
  return new Map(rows.map((row) => [String(row.id), { title: row.title as string }]));
}

describe('keys of every shape, against PostgreSQL and OpenSearch', () => {
  let database: TestDatabase;
  let client: Client;
  let db: SyncDatabase;
  const families: string[] = [];

  const family = (
    table: PgTable,
    options: { name?: string; batchSize?: number; wrapLoader?: (l: Loader) => Loader } = {},
  ) => {
    const name = options.name ?? uniqueName('keys');
    families.push(name);
    return new FamilySync(
      {
        name,
        table,
        versions: [
          { version: 1, transform: (row: Item) => ({ title: row.title }) },
          { version: 2, transform: (row: Item) => ({ title: row.title, v: 2 }) },
        ],
      },
      { db, client, batchSize: options.batchSize ?? 1000, wrapLoader: options.wrapLoader },
    );
  };
  const titles = async (index: string) =>
    new Map([...(await readAll(client, index))].map(([id, doc]) => [id, { title: doc.title as string }]));

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    db = database.db as unknown as SyncDatabase;
    client = createClient();
    await createKeyedTables(db);
  });

  afterAll(async () => {
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await client.close();
    await database.drop();
  });

  it('applies every change of a transaction mixing BMP-top and astral text keys, across batches and a failed run', async () => {
    const emoji = ['😀', '😁', '😂', '🤣', '😃'];
    await database.client`insert into text_items ${database.client(
      [...emoji, 'ＡＢＣ', 'a', 'z'].map((key) => ({ key, title: `first ${key}` })),
    )}`;
    const sync = family(textItems, { batchSize: 4 });
    await sync.prepare();
    await sync.run();
    // One transaction: five tombstones whose keys sort above 'ＡＢＣ' in SQL (below it in UTF-16 units).
    await database.client.begin(async (tx) => {
      await tx`delete from text_items where key in ${tx(emoji)}`;
      await tx`update text_items set title = 'updated' where key = 'ＡＢＣ'`;
    });
    await sync.run();
    const expected = await sourceTitles(database, 'text_items', 'key');
    expect(await titles(`${sync.name}_v1`)).toEqual(expected);
    expect(await titles(`${sync.name}_v2`)).toEqual(expected);

    // The same shape again, with a run that fails after its first bulk: the next run must apply it all.
    await database.client`insert into text_items ${database.client(emoji.map((key) => ({ key, title: 'again' })))}`;
    await sync.run();
    await database.client.begin(async (tx) => {
      await tx`delete from text_items where key in ${tx(emoji)}`;
      await tx`insert into text_items ${tx(['b', 'c', 'ｂ', '𝒷'].map((key) => ({ key, title: 'new' })))}`;
      await tx`update text_items set title = 'after failure' where key in ('ＡＢＣ', 'a', 'z')`;
    });
    let loads = 0;
    // The same family (same checkpoints) in an instance whose loader fails after its first bulk.
    const failing = family(textItems, {
      name: sync.name,
      batchSize: 4,
      wrapLoader: (load) => async (operations) => {
        if (++loads > 1) throw new Error('injected failure after the first bulk');
        return load(operations);
      },
    });
    await expect(failing.run()).rejects.toThrow('injected failure');
    await sync.run();
    const after = await sourceTitles(database, 'text_items', 'key');
    expect(await titles(`${sync.name}_v1`)).toEqual(after);
    expect(await titles(`${sync.name}_v2`)).toEqual(after);
  });

  it('gives composite keys holding the separator distinct documents, and replays them by their own key', async () => {
    await database.client`insert into pair_items ${database.client([
      { a: 'a:b', b: 'c', title: 'first' },
      { a: 'a', b: 'b:c', title: 'second' },
      { a: 'x\\', b: ':y', title: 'third' },
    ])}`;
    let failing = true;
    const name = uniqueName('keys');
    families.push(name);
    const sync = new FamilySync(
      {
        name,
        table: pairItems,
        versions: [
          {
            version: 1,
            transform: (row: Item) => {
              if (failing && row.title === 'third') throw new Error('not yet');
              return { title: row.title };
            },
          },
        ],
      },
      { db, client },
    );
    await sync.prepare();
    await sync.run();
    expect([...(await titles(`${name}_v1`)).values()].map((d) => d.title).sort()).toEqual([
      'first',
      'second',
    ]);
    await database.client`delete from pair_items where a = 'a:b' and b = 'c'`;
    await sync.run();
    expect([...(await titles(`${name}_v1`)).values()]).toEqual([{ title: 'second' }]);

    const [letter] = await sync.deadLetters();
    expect(letter.reason).toContain('not yet');
    failing = false;
    expect(await sync.replay()).toMatchObject({ replayed: 1, resolved: 1, failed: 0 });
    const documents = await titles(`${name}_v1`);
    expect(documents.get(letter.documentId)).toEqual({ title: 'third' });
    expect(documents.size).toBe(2);
  });

  it('dead-letters a row whose id OpenSearch cannot take, and indexes the others', async () => {
    const long = 'k'.repeat(600);
    const rows = Array.from({ length: 30 }, (_, i) => ({ key: `row-${i}`, title: `row ${i}` }));
    rows.push({ key: long, title: 'too long for an _id' });
    await database.client`insert into text_items ${database.client(rows)}`;
    const sync = family(textItems);
    await sync.prepare();
    const report = await sync.run();
    expect(report.deadLetters).toBe(2); // one per version
    const letters = await sync.deadLetters();
    expect(letters.map((l) => [l.version, l.errorType])).toEqual([
      [1, 'invalid_document_id'],
      [2, 'invalid_document_id'],
    ]);
    expect(letters[0].reason).toContain('600 bytes');
    const expected = await sourceTitles(database, 'text_items', 'key');
    expected.delete(long);
    expect(await titles(`${sync.name}_v1`)).toEqual(expected);
    // Nothing is blocked: the next change goes through.
    await database.client`update text_items set title = 'next' where key = 'row-3'`;
    expect((await sync.run()).changes).toBe(1);
    expect((await titles(`${sync.name}_v2`)).get('row-3')).toEqual({ title: 'next' });
  });

  it('counts pending changes and backfill progress by full position inside one large transaction', async () => {
    await database.client`insert into uuid_items (key, title) select gen_random_uuid(), 'bulk ' || i from generate_series(1, 5000) i`;
    const sync = family(uuidItems, { batchSize: 500 });
    await sync.prepare();
    const stop = new AbortController();
    let batches = 0;
    await sync.run({
      signal: stop.signal,
      onBatch: () => {
        if (++batches === 3) stop.abort();
      },
    });
    const [v1] = await sync.status();
    const applied = Number(
      (
        await database.client`select count(*) from uuid_items where (search_sync_change_key, key) <= (${v1.checkpoint!.changeKey}, ${v1.checkpoint!.key[0] as string}::uuid)`
      )[0].count,
    );
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(5000);
    expect(v1.pendingChanges).toBe(5000 - applied);
    expect(v1.backfill).toMatchObject({ done: applied, total: 5000 });
    await sync.run();
    const [done] = await sync.status();
    expect(done.pendingChanges).toBe(0);
  });

  it('reconciles text, uuid and composite keys and deletes orphans whose id is no key', async () => {
    await database.client`delete from text_items where octet_length(key) > 512`;
    await database.client`insert into tenant_items ${database.client(
      Array.from({ length: 1200 }, (_, i) => ({
        tenant_id: ['acme', 'ＡＢＣ', '😀', 'a:b'][i % 4],
        id: i,
        title: `t${i}`,
      })),
    )}`;
    await database.client`insert into integer_items ${database.client(
      Array.from({ length: 50 }, (_, i) => ({ id: i, title: `i${i}` })),
    )}`;
    const cases = [
      { table: tenantItems, name: 'tenant_items', id: "replace(tenant_id, ':', '\\:') || ':' || id" },
      { table: textItems, name: 'text_items', id: 'key' },
      { table: uuidItems, name: 'uuid_items', id: 'key' },
      { table: integerItems, name: 'integer_items', id: 'id' },
    ];
    for (const { table, name, id } of cases) {
      const sync = family(table, { batchSize: 700 });
      await sync.prepare();
      await sync.run();
      const index = `${sync.name}_v1`;
      const expected = await sourceTitles(database, name, id);
      expect(await titles(index)).toEqual(expected);
      const [missing, stale] = [...expected.keys()].slice(3, 5);
      await client.delete({ index, id: missing, refresh: true });
      // Written behind the library's back: a stale copy of a row, and documents whose id is no key.
      await client.index({ index, id: stale, body: { title: 'stale' }, refresh: true });
      await client.index({ index, id: 'not:a:key\\', body: { title: 'orphan' }, refresh: true });
      await client.index({ index, id: 'x', body: { title: 'orphan' }, refresh: true });
      const [report] = await sync.reconcile(1);
      expect(report, name).toMatchObject({ missing: 1, failed: 0 });
      expect(report.orphans + report.stale, name).toBeGreaterThanOrEqual(2);
      expect(await titles(index), name).toEqual(expected);
      const [again] = await sync.reconcile(1);
      expect(again, name).toMatchObject({ missing: 0, stale: 0, orphans: 0, leafRanges: 0 });
    }
  });

  it('refuses to promote a version whose index lost documents of a table loaded in one transaction', async () => {
    await database.client`insert into bigint_items (key, title) select i * 1000000000000, 'b' || i from generate_series(-2000, 2000) i`;
    const sync = family(bigintItems, { batchSize: 1000 });
    await sync.prepare();
    await sync.run();
    await sync.run();
    const v2 = `${sync.name}_v2`;
    await client.deleteByQuery({ index: v2, body: { query: { match_all: {} } }, refresh: true });
    await expect(sync.promote(2)).rejects.toThrow(/parity check failed/);
    const [report] = await sync.reconcile(2);
    expect(report).toMatchObject({ missing: 4001, failed: 0 });
    await sync.promote(2);
    expect((await client.count({ index: sync.name })).body.count).toBe(4001);
  });
});
