import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceChange } from '../family/stage.interface.js';
import { describeSource } from '../family/sync-source.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import type { PlannedBatch, VersionTarget } from './pipeline.interface.js';
import type { RoutedBatch } from './route.stage.js';
import { transform } from './transform.stage.js';

interface Product {
  readonly id: number;
  readonly title: string;
  readonly active: boolean;
}

const intKeys = describeSource('i', pgTable('i', { id: integer('id').primaryKey() })).keys;
const textKeys = describeSource('t', pgTable('t', { key: text('key').primaryKey() })).keys;
const compositeKeys = describeSource(
  'c',
  pgTable('c', { tenant: text('tenant').notNull(), id: integer('id').notNull() }, (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
  ]),
).keys;

const product = (id: number, title = `p${id}`, active = true): Product => ({ id, title, active });

const change = (
  id: number,
  record: Product | null,
  options: { deleted?: boolean; key?: KeyValue[] } = {},
): SourceChange<Product> => {
  const key = options.key ?? [id];
  return {
    id: key.join(':'),
    key,
    position: { changeKey: 50, key },
    rowVersion: 1000 + id,
    deleted: options.deleted ?? record === null,
    record,
  };
};

const target = (version: number, extra: Partial<VersionTarget<Product>> = {}): VersionTarget<Product> => ({
  version,
  index: `products_v${version}`,
  checkpoint: null,
  transform: (p) => ({ title: p.title }),
  ...extra,
});

async function plan(
  keys: readonly KeyColumn[],
  routes: RoutedBatch<Product>['routes'],
  changes: readonly SourceChange<Product>[] = routes[0]?.changes ?? [],
): Promise<PlannedBatch> {
  const input: RoutedBatch<Product> = {
    sequence: 7,
    end: { changeKey: 99, key: [99] },
    pending: [],
    changes,
    routes,
  };
  async function* one() {
    yield input;
  }
  const out: PlannedBatch[] = [];
  for await (const b of transform<Product>(keys)(one())) out.push(b);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('transform', () => {
  it("turns a live row into an index operation with the version's document, row version and key field", async () => {
    const v1 = target(1);
    const planned = await plan(intKeys, [{ target: v1, changes: [change(5, product(5, 'Lamp'))] }]);
    expect(planned.operations).toEqual([
      {
        version: 1,
        index: 'products_v1',
        id: '5',
        action: 'index',
        rowVersion: 1005,
        document: { title: 'Lamp' },
        keyField: 5,
      },
    ]);
    expect(planned.deadLetters).toEqual([]);
    expect(planned).toMatchObject({ sequence: 7, end: { changeKey: 99, key: [99] }, versions: [1] });
  });

  it('sets the key field as the ordered keyword for text and composite keys', async () => {
    const text = await plan(textKeys, [
      { target: target(1), changes: [change(1, product(1), { key: ['ＡＢＣ'] })] },
    ]);
    expect(text.operations[0].keyField).toBe('ＡＢＣ');
    const composite = await plan(compositeKeys, [
      { target: target(1), changes: [change(1, product(1), { key: ['acme', 1] })] },
    ]);
    // Text ended by U+0000 unless last; integers in offset binary as 16 hex digits.
    expect(composite.operations[0].keyField).toBe('acme\u00008000000000000001');
  });

  it('turns a deleted row into a delete without a document or key field, and never transforms it', async () => {
    const transformed: number[] = [];
    const v1 = target(1, {
      transform: (p) => {
        transformed.push(p.id);
        return p;
      },
    });
    const planned = await plan(intKeys, [
      {
        target: v1,
        changes: [change(1, null), change(2, product(2), { deleted: true }), change(3, product(3))],
      },
    ]);
    expect(planned.operations.map((op) => [op.id, op.action])).toEqual([
      ['1', 'delete'],
      ['2', 'delete'],
      ['3', 'index'],
    ]);
    for (const op of planned.operations.slice(0, 2)) {
      expect(op.document).toBeUndefined();
      expect(op.keyField).toBeUndefined();
      expect(op.rowVersion).toBe(1000 + Number(op.id));
    }
    expect(transformed).toEqual([3]);
  });

  it("turns a row the version's filter rejects into a delete there, and an index in a version without filter", async () => {
    const changes = [change(1, product(1, 'on', true)), change(2, product(2, 'off', false))];
    const planned = await plan(intKeys, [
      { target: target(1, { filter: (p) => p.active }), changes },
      { target: target(2), changes },
    ]);
    expect(planned.operations.map((op) => [op.version, op.id, op.action])).toEqual([
      [1, '1', 'index'],
      [1, '2', 'delete'],
      [2, '1', 'index'],
      [2, '2', 'index'],
    ]);
    expect(planned.versions).toEqual([1, 2]);
  });

  it('turns a throwing transform or filter into a dead letter for that row and version; the batch goes on', async () => {
    const changes = [change(1, product(1)), change(2, product(2, 'boom')), change(3, product(3, 'odd'))];
    const planned = await plan(intKeys, [
      {
        target: target(1, {
          transform: (p) => {
            if (p.title === 'boom') throw new TypeError('no title');
            return { title: p.title };
          },
        }),
        changes,
      },
      {
        target: target(2, {
          filter: (p) => {
            if (p.title === 'odd') throw 'not an error object';
            return true;
          },
        }),
        changes,
      },
    ]);
    expect(planned.operations.map((op) => [op.version, op.id])).toEqual([
      [1, '1'],
      [1, '3'],
      [2, '1'],
      [2, '2'],
    ]);
    expect(planned.deadLetters).toEqual([
      {
        version: 1,
        documentId: '2',
        operation: 'index',
        document: null,
        errorType: 'transform_error',
        reason: 'TypeError: no title',
        statusCode: null,
        attempts: 1,
        rowVersion: 1002,
      },
      {
        version: 2,
        documentId: '3',
        operation: 'index',
        document: null,
        errorType: 'filter_error',
        reason: 'not an error object',
        statusCode: null,
        attempts: 1,
        rowVersion: 1003,
      },
    ]);
  });

  it('counts the changes of the batch, not of the routes, and lists a version that has nothing to do', async () => {
    const changes = [change(1, product(1)), change(2, product(2))];
    const planned = await plan(
      intKeys,
      [
        { target: target(1), changes: [] },
        { target: target(2), changes: changes.slice(1) },
      ],
      changes,
    );
    expect(planned.changeCount).toBe(2);
    expect(planned.versions).toEqual([1, 2]);
    expect(planned.operations.map((op) => [op.version, op.id])).toEqual([[2, '2']]);
  });

  it('plans exactly one operation or one dead letter per routed change, for any rows and filters', async () => {
    const row = fc.record({
      id: fc.integer({ min: 1, max: 10_000 }),
      state: fc.constantFrom('live', 'hard-deleted', 'soft-deleted', 'inactive', 'throws'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), fc.boolean(), async (rows, filtered) => {
        const changes = rows.map(({ id, state }) =>
          state === 'hard-deleted'
            ? change(id, null)
            : change(id, product(id, state, state !== 'inactive'), { deleted: state === 'soft-deleted' }),
        );
        const v1 = target(1, {
          filter: filtered ? (p) => p.active : undefined,
          transform: (p) => {
            if (p.title === 'throws') throw new Error('bad row');
            return { title: p.title };
          },
        });
        const planned = await plan(intKeys, [{ target: v1, changes }]);
        const expected = rows.map(({ state }) =>
          state === 'throws'
            ? 'dead'
            : state === 'live' || (state === 'inactive' && !filtered)
              ? 'index'
              : 'delete',
        );
        expect(planned.operations.length + planned.deadLetters.length).toBe(rows.length);
        expect(planned.operations.map((op) => op.action)).toEqual(expected.filter((e) => e !== 'dead'));
        expect(planned.deadLetters).toHaveLength(expected.filter((e) => e === 'dead').length);
        for (const op of planned.operations) {
          expect(op.keyField).toBe(op.action === 'index' ? Number(op.id) : undefined);
        }
      }),
      { numRuns: 200 },
    );
  });
});
