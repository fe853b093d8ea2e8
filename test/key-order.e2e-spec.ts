import type { Client } from '@opensearch-project/opensearch';
import { bigint, integer, type PgTable, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describeSource, documentId, type KeyColumn, type KeyValue, parseDocumentId } from 'search-sync';
import { compareKeys, keyFieldValue } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/*
 * DESIGN.md, "Keys and document ids": wherever the library orders keys in JavaScript it must order them
 * exactly as PostgreSQL's `ORDER BY` does (text `collate "C"`), document ids are injective and decode
 * back, and the key field's UTF-8 byte order (what Lucene sorts a keyword by) is the SQL order too.
 * PostgreSQL itself is the oracle here, never the library's own SQL.
 */

// Code points where UTF-16 order and code-point order disagree (U+E000–U+FFFF against the astral plane),
// UTF-8 length boundaries, and the separators and escapes of composite ids.
const SPECIAL_CHARS = [
  'Ａ',
  'Ｂ',
  'Ｃ',
  '😀',
  '🙂',
  '\uE000',
  '\uFB01',
  '\uFFFD',
  '\uFFFF',
  '\uD7FF',
  '\u{10000}',
  '\u{10FFFF}',
  'é',
  'e',
  '\u0301',
  'a',
  'A',
  'z',
  ':',
  '\\',
  ' ',
  '\u0001',
  '\u007F',
  '\u0080',
  '\u07FF',
  '\u0800',
];
const SPECIAL_TEXTS = ['', 'ＡＢＣ', '😀', 'a:b', 'a', 'a\\', 'é', 'e\u0301', 'ab', 'a:', ':', '\\:'];

// PostgreSQL text cannot hold U+0000; every other code point, astral ones included, is fair game.
const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
const textValue: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: fc.oneof(anyCodePoint, fc.constantFrom(...SPECIAL_CHARS)), maxLength: 6 }),
    fc.constantFrom(...SPECIAL_TEXTS),
  )
  .map((s) => s.replaceAll('\u0000', '\u0001'));

const INT32 = { min: -2147483648, max: 2147483647 };
const integerValue = fc.oneof(
  fc.constantFrom(INT32.min, INT32.max, INT32.min + 1, INT32.max - 1, 0, -1, 1),
  fc.integer(INT32),
  fc.integer({ min: -300, max: 300 }),
);

const INT64_MAX = 2n ** 63n - 1n;
const bigintValue = fc.oneof(
  fc.constantFrom('9223372036854775807', '-9223372036854775807', '-9223372036854775808', '0', '-1', '1'),
  fc.bigInt({ min: -INT64_MAX - 1n, max: INT64_MAX }).map(String),
  fc.integer({ min: -300, max: 300 }).map(String),
);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const uuidValue = fc.oneof(
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.uuid(),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
    const h = hex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }),
);

// Leading columns drawn from a small set too, so that ties there make the later columns decide.
const fewTexts = fc.constantFrom('', 'a', 'a:b', 'ＡＢＣ', '😀', '\\');
const leadingText = fc.oneof(fewTexts, textValue);

interface Shape {
  readonly name: string;
  readonly table: PgTable;
  readonly key: fc.Arbitrary<KeyValue[]>;
  /** Whether the shape's key field is a keyword (anything but a single integer). */
  readonly keyword: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    name: 'integer',
    table: pgTable('k_integer', { k: integer('k').primaryKey() }),
    key: integerValue.map((v) => [v]),
    keyword: false,
  },
  {
    name: 'bigint',
    table: pgTable('k_bigint', { k: bigint('k', { mode: 'bigint' }).primaryKey() }),
    key: bigintValue.map((v) => [v]),
    keyword: true,
  },
  {
    name: 'uuid',
    table: pgTable('k_uuid', { k: uuid('k').primaryKey() }),
    key: uuidValue.map((v) => [v]),
    keyword: true,
  },
  {
    name: 'text',
    table: pgTable('k_text', { k: text('k').primaryKey() }),
    key: textValue.map((v) => [v]),
    keyword: true,
  },
  {
    name: 'text+integer',
    table: pgTable(
      'k_tenant',
      { tenantId: text('tenant_id').notNull(), id: integer('id').notNull() },
      (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
    ),
    key: fc.tuple(leadingText, integerValue),
    keyword: true,
  },
  {
    name: 'text+text',
    table: pgTable('k_pair', { a: text('a').notNull(), b: text('b').notNull() }, (t) => [
      primaryKey({ columns: [t.a, t.b] }),
    ]),
    key: fc.tuple(leadingText, textValue),
    keyword: true,
  },
  {
    name: 'bigint+uuid+text',
    table: pgTable(
      'k_triple',
      {
        n: bigint('n', { mode: 'bigint' }).notNull(),
        u: uuid('u').notNull(),
        t: text('t').notNull(),
      },
      (t) => [primaryKey({ columns: [t.n, t.u, t.t] })],
    ),
    key: fc.tuple(
      fc.oneof(fc.constantFrom('0', '-9223372036854775808'), bigintValue),
      fc.oneof(fc.constant('00000000-0000-0000-0000-000000000000'), uuidValue),
      textValue,
    ),
    keyword: true,
  },
];

const columnsOf = (shape: Shape): readonly KeyColumn[] =>
  describeSource(`key_${shape.name}`, shape.table).keys;

/** Distinct keys of a shape (as PostgreSQL's primary key sees them: text equality is byte equality). */
const keysOf = (shape: Shape, length: { minLength?: number; maxLength: number }) =>
  fc.uniqueArray(shape.key, { ...length, size: 'medium', selector: (key) => JSON.stringify(key) });

const byKey = (columns: readonly KeyColumn[]) => (a: readonly KeyValue[], b: readonly KeyValue[]) =>
  compareKeys(columns, a, b);

/** Sorts by the key field as Lucene does: numbers numerically, keywords by their UTF-8 bytes. */
function byKeyField(columns: readonly KeyColumn[]) {
  return (a: readonly KeyValue[], b: readonly KeyValue[]) => {
    const x = keyFieldValue(columns, a);
    const y = keyFieldValue(columns, b);
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return Buffer.compare(Buffer.from(String(x), 'utf8'), Buffer.from(String(y), 'utf8'));
  };
}

describe('key order, document ids and the key field against PostgreSQL', () => {
  let database: TestDatabase;
  let client: Client;
  const prefix = uniqueName('key_order');
  const counts = { orderRuns: 0, idRuns: 0, fieldRuns: 0, keysOrdered: 0, indexedKeys: 0 };

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    client = createClient();
  });

  afterAll(async () => {
    console.log(
      `key-order: ${counts.orderRuns} SQL order runs (${counts.keysOrdered} keys), ${counts.idRuns} id runs, ` +
        `${counts.fieldRuns} key-field runs, ${counts.indexedKeys} keys sorted by OpenSearch, over ${SHAPES.length} key shapes`,
    );
    await deleteIndexes(client, `${prefix}_*`);
    await client.close();
    await database.drop();
  });

  /**
   * The keys as PostgreSQL orders them: inserted into a temporary table of the shape's column types
   * (dropped at commit) and read back `order by` each column, text `collate "C"`.
   */
  async function sqlOrder(columns: readonly KeyColumn[], keys: readonly KeyValue[][]): Promise<KeyValue[][]> {
    const quoted = columns.map((c) => `"${c.name}"`);
    const ddl = `create temp table key_order (${columns
      .map((c, i) => `${quoted[i]} ${c.sqlType} not null`)
      .join(', ')}, primary key (${quoted.join(', ')})) on commit drop`;
    const rows = keys.map((key) => Object.fromEntries(columns.map((c, i) => [c.name, key[i]])));
    const recordType = columns.map((c, i) => `${quoted[i]} ${c.sqlType}`).join(', ');
    const select = columns
      .map((c, i) => (c.kind === 'bigint' || c.kind === 'uuid' ? `${quoted[i]}::text` : quoted[i]))
      .join(', ');
    // Qualified: a bare name would order by the output column, which is text for bigints and uuids.
    const order = columns
      .map((c, i) => `key_order.${quoted[i]}${c.kind === 'text' ? ' collate "C"' : ''}`)
      .join(', ');
    const result = await database.client.begin(async (tx) => {
      await tx.unsafe(ddl);
      await tx.unsafe(
        `insert into key_order select * from jsonb_to_recordset($1::jsonb) as r(${recordType})`,
        [JSON.stringify(rows)],
      );
      return tx.unsafe(`select ${select} from key_order order by ${order}`).values();
    });
    return result.map((row) => [...row] as KeyValue[]);
  }

  for (const shape of SHAPES) {
    const columns = columnsOf(shape);

    it(`orders ${shape.name} keys in JavaScript exactly as PostgreSQL's ORDER BY does`, async () => {
      await fc.assert(
        fc.asyncProperty(keysOf(shape, { maxLength: 40 }), async (keys) => {
          const expected = await sqlOrder(columns, keys);
          expect(expected).toHaveLength(keys.length);
          expect([...keys].sort(byKey(columns))).toEqual(expected);
          counts.orderRuns++;
          counts.keysOrdered += keys.length;
        }),
        { numRuns: 50 },
      );
    });

    it(`decodes every ${shape.name} document id back to its key, and no two keys share an id`, () => {
      fc.assert(
        fc.property(keysOf(shape, { maxLength: 30 }), (keys) => {
          for (const key of keys) expect(parseDocumentId(columns, documentId(key))).toEqual(key);
          expect(new Set(keys.map(documentId)).size).toBe(keys.length);
          counts.idRuns++;
        }),
        { numRuns: 200 },
      );
    });

    it(`sorts ${shape.name} keys by the key field's byte order exactly as PostgreSQL does`, async () => {
      await fc.assert(
        fc.asyncProperty(keysOf(shape, { maxLength: 40 }), async (keys) => {
          const expected = await sqlOrder(columns, keys);
          expect(new Set(keys.map((key) => keyFieldValue(columns, key))).size).toBe(keys.length);
          expect([...keys].sort(byKeyField(columns))).toEqual(expected);
          counts.fieldRuns++;
        }),
        { numRuns: 50 },
      );
    });
  }

  it('keeps composite ids apart where separators and escapes could make them meet', () => {
    const pair = columnsOf(SHAPES.find((s) => s.name === 'text+text')!);
    const tenant = columnsOf(SHAPES.find((s) => s.name === 'text+integer')!);
    const pairs: KeyValue[][] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a\\', 'b'],
      ['a', '\\b'],
      ['a\\:', 'b'],
      ['a', ':b'],
      ['a:', 'b'],
      ['\\', ''],
      ['', '\\'],
      ['\\\\', ''],
      ['', ''],
      ['', ':'],
      [':', ''],
      ['\\:', ''],
      ['', '\\:'],
      ['ＡＢＣ', '😀'],
    ];
    const tenants: KeyValue[][] = [
      ['', 0],
      ['', -1],
      [':', 1],
      ['1:', 1],
      ['1', 1],
      ['\\', 1],
      ['a:1', 2],
      ['a', 12],
    ];
    for (const [columns, keys] of [
      [pair, pairs],
      [tenant, tenants],
    ] as const) {
      const ids = keys.map(documentId);
      expect(new Set(ids).size).toBe(keys.length);
      ids.forEach((id, i) => {
        expect(parseDocumentId(columns, id)).toEqual(keys[i]);
      });
    }
  });

  it('returns keys sorted by the key field from a real OpenSearch keyword in PostgreSQL order', async () => {
    for (const shape of SHAPES.filter((s) => s.keyword)) {
      const columns = columnsOf(shape);
      await fc.assert(
        fc.asyncProperty(keysOf(shape, { minLength: 200, maxLength: 200 }), async (keys) => {
          const index = `${prefix}_${shape.name.replaceAll('+', '_')}`;
          await deleteIndexes(client, index);
          await client.indices.create({
            index,
            body: {
              settings: { number_of_shards: 1, number_of_replicas: 0 },
              mappings: {
                dynamic: 'strict',
                properties: {
                  n: { type: 'integer' },
                  search_sync: { properties: { key: { type: 'keyword' } } },
                },
              },
            } as never,
          });
          const body = keys.flatMap((key, n) => [
            { index: { _index: index, _id: String(n) } },
            { n, search_sync: { key: keyFieldValue(columns, key) } },
          ]);
          const bulk = await client.bulk({ body, refresh: true } as never);
          expect(bulk.body.errors).toBe(false);
          const response = await client.search({
            index,
            body: { size: keys.length, sort: [{ 'search_sync.key': 'asc' }], _source: ['n'] },
          } as never);
          const hits = response.body.hits.hits as { _source: { n: number } }[];
          const sorted = hits.map((hit) => keys[hit._source.n]);
          expect(sorted).toEqual(await sqlOrder(columns, keys));
          counts.indexedKeys += keys.length;
        }),
        { numRuns: 1 },
      );
    }
  });
});
