import { bigint, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSource } from '../family/sync-source.js';
import { documentId, documentIdRefusal, parseDocumentId } from './document-id.js';

const pgText = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'));
const keysOf = (table: Parameters<typeof describeSource>[1]) => describeSource('f', table).keys;
const integerKeys = keysOf(pgTable('i', { id: integer('id').primaryKey() }));
const bigintKeys = keysOf(pgTable('b', { id: bigint('id', { mode: 'bigint' }).primaryKey() }));
const uuidKeys = keysOf(pgTable('u', { id: uuid('id').primaryKey() }));
const textKeys = keysOf(pgTable('t', { id: text('id').primaryKey() }));
const compositeKeys = keysOf(
  pgTable('c', { a: text('a').notNull(), b: text('b').notNull(), n: integer('n').notNull() }, (t) => [
    primaryKey({ columns: [t.a, t.b, t.n] }),
  ]),
);

describe('document ids', () => {
  it('never merges composite keys whose values hold the separator', () => {
    expect(documentId(['a:b', 'c'])).not.toBe(documentId(['a', 'b:c']));
    expect(documentId(['a\\', ':c'])).not.toBe(documentId(['a\\:', 'c']));
    // A plain composite key keeps its readable id.
    expect(documentId(['acme', 42])).toBe('acme:42');
  });

  it('keeps the plain value of a single-column key', () => {
    expect(documentId([42])).toBe('42');
    expect(documentId(['a:b'])).toBe('a:b');
  });

  it('decodes every id back to its key, for every key shape (a bijection)', () => {
    const shapes = [
      [integerKeys, fc.integer().map((n) => [n])],
      [bigintKeys, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => [String(b)])],
      [uuidKeys, fc.uuid().map((u) => [u])],
      [textKeys, pgText.map((s) => [s])],
      [compositeKeys, fc.tuple(pgText, pgText, fc.integer())],
    ] as const;
    for (const [keys, key] of shapes) {
      fc.assert(
        fc.property(key, key, (a, b) => {
          expect(parseDocumentId(keys, documentId(a))).toEqual(a);
          expect(documentId(a) === documentId(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        }),
        { numRuns: 500 },
      );
    }
  });

  it('reads an id that no key prints as no key at all (an orphan), never as NaN', () => {
    expect(parseDocumentId(integerKeys, 'not-a-number')).toBeNull();
    expect(parseDocumentId(integerKeys, '007')).toBeNull();
    expect(parseDocumentId(integerKeys, '1e3')).toBeNull();
    expect(parseDocumentId(bigintKeys, '12.5')).toBeNull();
    expect(parseDocumentId(uuidKeys, 'ABC')).toBeNull();
    expect(parseDocumentId(compositeKeys, 'a:b')).toBeNull();
    expect(parseDocumentId(compositeKeys, 'a\\x:b:1')).toBeNull();
  });

  it('says why OpenSearch would refuse an id: empty, or over 512 UTF-8 bytes', () => {
    expect(documentIdRefusal('x'.repeat(512))).toBeNull();
    expect(documentIdRefusal('x'.repeat(513))).toContain('513 bytes');
    expect(documentIdRefusal('é'.repeat(257))).toContain('514 bytes');
    expect(documentIdRefusal('')).toContain('empty');
  });
});
