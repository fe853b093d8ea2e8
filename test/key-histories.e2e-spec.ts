import type { Client } from '@opensearch-project/opensearch';
import { and, eq, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { documentId, FamilySync, type KeyValue, type VersionDefinition } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTables, tenantItems, textItems, uuidItems } from './fixtures/keyed.tables.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

/*
 * Run-level property (DESIGN.md, "Change capture" and "Keys and document ids"): whatever the history of
 * inserts, updates, deletes and re-inserts of a few keys, committed in transactions with runs in between
 * and any batch size, a last run leaves every version equal to the source document by document, with no
 * dead letters. The keys are text (code points where UTF-16 and code-point order disagree, separators,
 * escapes), uuids and a composite (tenant, id).
 */

type Writer = Pick<TestDatabase['db'], 'insert' | 'update' | 'delete'>;
interface Row {
  readonly title: string;
}

interface KeyedShape {
  readonly name: string;
  readonly table: PgTable;
  /** A small set of distinct keys, so that histories delete and re-insert the same ones. */
  readonly pool: fc.Arbitrary<KeyValue[][]>;
  insert(tx: Writer, key: readonly KeyValue[], title: string): Promise<unknown>;
  update(tx: Writer, key: readonly KeyValue[], title: string): Promise<unknown>;
  remove(tx: Writer, key: readonly KeyValue[]): Promise<unknown>;
  keyOf(row: any): KeyValue[];
}

// No empty string: '' cannot be an OpenSearch _id, and the library dead-letters it by design.
const TEXT_KEYS = ['ＡＢＣ', '😀', 'a:b', 'a', 'é', 'e\u0301', '\uFFFF', '\u{10000}', 'a\\', ':', 'A', 'ab'];
const textKey = fc
  .oneof(
    fc.constantFrom(...TEXT_KEYS),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
    fc.string({
      unit: fc.constantFrom('Ａ', '😀', '\uE000', 'a', ':', '\\', 'é'),
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map((s) => s.replaceAll('\u0000', '\u0001'));
const uuidKey = fc.oneof(
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.uuid(),
);
// Composite parts may be empty: the id of ('', 0) is ':0'.
const tenantKey = fc.tuple(
  fc.oneof(fc.constantFrom('', 'a', 'a:b', 'ＡＢＣ', '😀', '\\', ':'), textKey),
  fc.oneof(fc.constantFrom(-2147483648, 0, 1, 2147483647), fc.integer({ min: -3, max: 3 })),
);
const poolOf = (key: fc.Arbitrary<KeyValue[]>) =>
  fc.uniqueArray(key, { minLength: 2, maxLength: 5, selector: (k) => JSON.stringify(k) });

const SHAPES: readonly KeyedShape[] = [
  {
    name: 'text',
    table: textItems,
    pool: poolOf(textKey.map((k) => [k])),
    insert: (tx, [key], title) => tx.insert(textItems).values({ key: key as string, title }),
    update: (tx, [key], title) =>
      tx
        .update(textItems)
        .set({ title })
        .where(eq(textItems.key, key as string)),
    remove: (tx, [key]) => tx.delete(textItems).where(eq(textItems.key, key as string)),
    keyOf: (row) => [row.key],
  },
  {
    name: 'uuid',
    table: uuidItems,
    pool: poolOf(uuidKey.map((k) => [k])),
    insert: (tx, [key], title) => tx.insert(uuidItems).values({ key: key as string, title }),
    update: (tx, [key], title) =>
      tx
        .update(uuidItems)
        .set({ title })
        .where(eq(uuidItems.key, key as string)),
    remove: (tx, [key]) => tx.delete(uuidItems).where(eq(uuidItems.key, key as string)),
    keyOf: (row) => [row.key],
  },
  {
    name: 'tenant',
    table: tenantItems,
    pool: poolOf(tenantKey),
    insert: (tx, [tenantId, id], title) =>
      tx.insert(tenantItems).values({ tenantId: tenantId as string, id: id as number, title }),
    update: (tx, [tenantId, id], title) =>
      tx
        .update(tenantItems)
        .set({ title })
        .where(and(eq(tenantItems.tenantId, tenantId as string), eq(tenantItems.id, id as number))),
    remove: (tx, [tenantId, id]) =>
      tx
        .delete(tenantItems)
        .where(and(eq(tenantItems.tenantId, tenantId as string), eq(tenantItems.id, id as number))),
    keyOf: (row) => [row.tenantId, row.id],
  },
];

const operation = fc.record({
  slot: fc.nat({ max: 4 }),
  action: fc.constantFrom('write', 'write', 'delete'),
  colour: fc.constantFrom('red', 'green', 'hidden'),
});
const history = (shape: KeyedShape) =>
  fc.record({
    pool: shape.pool,
    batchSize: fc.integer({ min: 1, max: 7 }),
    transactions: fc.array(
      fc.record({ operations: fc.array(operation, { minLength: 1, maxLength: 6 }), runAfter: fc.boolean() }),
      { minLength: 1, maxLength: 12, size: 'medium' },
    ),
  });

/** v1 holds every row; v2 drops the 'hidden' ones and carries the key, so a wrong row shows. */
function versionsOf(shape: KeyedShape): VersionDefinition<Row>[] {
  const settings = { number_of_shards: 1, number_of_replicas: 0 };
  return [
    {
      version: 1,
      settings,
      mappings: { dynamic: 'strict', properties: { title: { type: 'keyword' } } },
      transform: (row) => ({ title: row.title }),
    },
    {
      version: 2,
      settings,
      mappings: { dynamic: 'strict', properties: { label: { type: 'keyword' }, key: { type: 'keyword' } } },
      filter: (row) => !row.title.startsWith('hidden'),
      transform: (row) => ({ label: row.title.toUpperCase(), key: JSON.stringify(shape.keyOf(row)) }),
    },
  ];
}

describe('random key histories against PostgreSQL and OpenSearch', () => {
  let client: Client;
  const totals = { runs: 0, transactions: 0, operations: 0, syncRuns: 0, changes: 0 };

  beforeAll(() => {
    client = createClient();
  });

  afterAll(async () => {
    console.log(
      `key-histories: ${totals.runs} histories, ${totals.transactions} transactions, ${totals.operations} operations, ` +
        `${totals.syncRuns} sync runs, ${totals.changes} changes read, over ${SHAPES.length} key shapes`,
    );
    await client.close();
  });

  for (const shape of SHAPES) {
    it(`ends with every version equal to the source after any history of ${shape.name} keys`, async () => {
      await fc.assert(
        fc.asyncProperty(history(shape), async ({ pool, batchSize, transactions }) => {
          // A database of its own per history: no earlier family's checkpoint holds its tombstones.
          const database = await createTestDatabase({ migrate: false });
          const family = uniqueName(`hist_${shape.name}`);
          try {
            await createKeyedTables(database.db);
            const versions = versionsOf(shape);
            const sync = new FamilySync(
              { name: family, table: shape.table, versions },
              { db: database.db, client, batchSize },
            );
            await sync.prepare();
            const present = new Set<string>();
            let deadLetters = 0;
            let lastWriteXid = '';
            const run = async () => {
              const report = await sync.run();
              deadLetters += report.deadLetters;
              totals.syncRuns++;
              totals.changes += report.changes;
            };
            for (const [t, { operations, runAfter }] of transactions.entries()) {
              await database.db.transaction(async (tx) => {
                for (const [o, { slot, action, colour }] of operations.entries()) {
                  const key = pool[slot % pool.length];
                  const name = JSON.stringify(key);
                  const title = `${colour} ${t}.${o}`;
                  if (action === 'delete') {
                    await shape.remove(tx, key);
                    present.delete(name);
                  } else if (present.has(name)) await shape.update(tx, key, title);
                  else {
                    await shape.insert(tx, key, title);
                    present.add(name);
                  }
                }
                const [{ xid }] = (await tx.execute(
                  sql`select pg_current_xact_id()::text as xid`,
                )) as unknown as { xid: string }[];
                lastWriteXid = xid;
              });
              if (runAfter) await run();
            }
            // Facts for a failure message only: the oldest transaction still open anywhere on the server.
            const [{ horizon }] = await database.client<{ horizon: string }[]>`
              select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;
            await run();
            const context =
              `the last write committed in transaction ${lastWriteXid}; when the last run started the oldest ` +
              `transaction still open on the server was ${horizon}`;

            const rows = (await database.db.select().from(shape.table)) as unknown as Row[];
            expect(rows).toHaveLength(present.size);
            for (const version of versions) {
              const expected = new Map<string, Record<string, unknown>>();
              for (const row of rows) {
                if (version.filter && !version.filter(row)) continue;
                expected.set(documentId(shape.keyOf(row)), version.transform(row) as Record<string, unknown>);
              }
              const actual = await readAll(client, `${family}_v${version.version}`);
              expect({ version: version.version, documents: actual }, context).toEqual({
                version: version.version,
                documents: expected,
              });
            }
            expect({ deadLetters, stored: await sync.deadLetters() }).toEqual({ deadLetters: 0, stored: [] });
            totals.runs++;
            totals.transactions += transactions.length;
            totals.operations += transactions.reduce((sum, t) => sum + t.operations.length, 0);
          } finally {
            await deleteIndexes(client, `${family}_*`);
            await database.drop();
          }
        }),
        { numRuns: 25 },
      );
      // Shrinking a failure replays histories, each on a fresh database: give it room.
    }, 300_000);
  }
});
