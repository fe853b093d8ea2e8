import { bigint, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSource } from '../family/sync-source.js';
import { comparePositions } from './change-position.js';
import { keyFieldValue } from './key.field.js';
import { compareCodePoints, compareKeys } from './key.order.js';
import type { KeyValue } from './key.types.js';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
// Any code point PostgreSQL text can hold: every one but U+0000 (lone surrogates cannot be UTF-8).
const pgText = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'));
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);

const textKeys = describeSource('t', pgTable('t', { key: text('key').primaryKey() })).keys;
const bigintKeys = describeSource(
  'b',
  pgTable('b', { key: bigint('key', { mode: 'bigint' }).primaryKey() }),
).keys;
const uuidKeys = describeSource('u', pgTable('u', { key: uuid('key').primaryKey() })).keys;
const compositeKeys = describeSource(
  'c',
  pgTable('c', { tenant: text('tenant').notNull(), id: integer('id').notNull() }, (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
  ]),
).keys;

/** The order of the key field as OpenSearch sees it: longs by value, keywords by UTF-8 bytes. */
const fieldOrder = (a: number | string, b: number | string) =>
  typeof a === 'number' ? a - (b as number) : utf8Order(a, b as string);

describe('key order', () => {
  it('orders text by code point as collate "C" does, not by UTF-16 unit', () => {
    // U+FF21 (fullwidth A) is one UTF-16 unit above the surrogates of U+1F600, but a lower code point.
    expect('ＡＢＣ' < '😀').toBe(false);
    expect(compareCodePoints('ＡＢＣ', '😀')).toBeLessThan(0);
    // An update of 'ＡＢＣ' and a tombstone of '😀' in one transaction: the update comes first, as in SQL.
    expect(
      comparePositions(textKeys, { changeKey: 7, key: ['ＡＢＣ'] }, { changeKey: 7, key: ['😀'] }),
    ).toBeLessThan(0);
  });

  it('agrees with UTF-8 byte order (PostgreSQL collate "C") for any text', () => {
    fc.assert(
      fc.property(pgText, pgText, (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(utf8Order(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every key shape a key field in the key order', () => {
    const shapes: [typeof textKeys, fc.Arbitrary<KeyValue[]>][] = [
      [textKeys, pgText.map((s) => [s])],
      [bigintKeys, int64.map((b) => [b])],
      [uuidKeys, fc.uuid().map((u) => [u])],
      [compositeKeys, fc.tuple(pgText, fc.integer()).map(([t, i]) => [t, i])],
    ];
    for (const [keys, key] of shapes) {
      fc.assert(
        fc.property(key, key, (a, b) => {
          const field = fieldOrder(keyFieldValue(keys, a), keyFieldValue(keys, b));
          expect(Math.sign(field)).toBe(Math.sign(compareKeys(keys, a, b)));
        }),
        { numRuns: 500 },
      );
    }
  });
});
