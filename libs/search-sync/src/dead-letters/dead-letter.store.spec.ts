import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../pipeline/pipeline.interface.js';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { DeadLetterStore } from './dead-letter.store.js';

const letter = (documentId: string, extra: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  version: 1,
  documentId,
  operation: 'index',
  document: { title: `doc ${documentId}` },
  errorType: 'mapper_parsing_exception',
  reason: 'failed to parse field [price]',
  statusCode: 400,
  attempts: 1,
  rowVersion: 10,
  ...extra,
});

describe('DeadLetterStore', () => {
  let database: StateTestDatabase;
  const store = new DeadLetterStore();
  let families = 0;
  const newFamily = () => `family_${++families}`;

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('records a failure with everything needed to replay it, the document as JSON', async () => {
    const family = newFamily();
    await store.record(database.db, family, [letter('a', { document: { title: 'x', tags: [1, 2] } })]);
    const [stored] = await store.list(database.db, { family });
    expect(stored).toMatchObject({
      family,
      version: 1,
      documentId: 'a',
      operation: 'index',
      document: { title: 'x', tags: [1, 2] },
      errorType: 'mapper_parsing_exception',
      reason: 'failed to parse field [price]',
      statusCode: 400,
      attempts: 1,
      rowVersion: 10,
      resolvedAt: null,
    });
    expect(stored.firstFailedAt).toEqual(stored.lastFailedAt);
    // Stored as a JSON object, not as a JSON string holding one.
    const [{ type }] = await database.client<{ type: string }[]>`
      select jsonb_typeof(document) as type from search_sync.dead_letters where family = ${family}`;
    expect(type).toBe('object');
  });

  it('stores a failure without a document (a delete) with a null document', async () => {
    const family = newFamily();
    await store.record(database.db, family, [
      letter('a', { operation: 'delete', document: undefined, statusCode: null }),
    ]);
    const [stored] = await store.list(database.db, { family });
    expect(stored).toMatchObject({ operation: 'delete', document: null, statusCode: null });
  });

  it('updates the open dead letter of a document that fails again: one letter, attempts added up', async () => {
    const family = newFamily();
    await store.record(database.db, family, [letter('a', { attempts: 1, rowVersion: 20 })]);
    const [before] = await store.list(database.db, { family });
    await store.record(database.db, family, [
      letter('a', {
        attempts: 3,
        rowVersion: 15,
        operation: 'delete',
        document: null,
        errorType: 'retries_exhausted',
        reason: 'timed out',
        statusCode: 503,
      }),
    ]);
    const after = await store.list(database.db, { family, includeResolved: true });
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      id: before.id,
      attempts: 4,
      // The row version never goes back: a late failure of an older write does not lower it.
      rowVersion: 20,
      operation: 'delete',
      document: null,
      errorType: 'retries_exhausted',
      reason: 'timed out',
      statusCode: 503,
      firstFailedAt: before.firstFailedAt,
    });
    expect(after[0].lastFailedAt.getTime()).toBeGreaterThanOrEqual(before.lastFailedAt.getTime());
  });

  it('keeps one open letter per family, version and document', async () => {
    const family = newFamily();
    const other = newFamily();
    await store.record(database.db, family, [letter('a'), letter('a', { version: 2 }), letter('b')]);
    await store.record(database.db, other, [letter('a')]);
    await store.record(database.db, family, [letter('a', { version: 2 })]);
    const open = await store.list(database.db, { family });
    expect(open.map((d) => [d.version, d.documentId, d.attempts])).toEqual([
      [1, 'a', 1],
      [2, 'a', 2],
      [1, 'b', 1],
    ]);
    expect((await store.list(database.db, { family: other })).map((d) => d.attempts)).toEqual([1]);
  });

  it('keeps one open letter when one call carries two failures of the same document', async () => {
    // A batch can hold a key's tombstone and its row again (deleted and written back): with an id
    // OpenSearch refuses, both operations are dead letters of one document, committed together.
    const family = newFamily();
    await store.record(database.db, family, [
      letter('a', { operation: 'delete', document: null, errorType: 'invalid_document_id', rowVersion: 30 }),
      letter('a', { operation: 'index', errorType: 'invalid_document_id', rowVersion: 31 }),
    ]);
    const open = await store.list(database.db, { family });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ documentId: 'a', attempts: 2, rowVersion: 31, operation: 'index' });
  });

  it('resolves letters by id, once: a resolved letter stays resolved as it was, and a new failure opens a new one', async () => {
    const family = newFamily();
    await store.record(database.db, family, [letter('a'), letter('b')]);
    const [a, b] = await store.list(database.db, { family });
    await store.resolve(database.db, [a.id]);
    await store.resolve(database.db, []);
    expect((await store.list(database.db, { family })).map((d) => d.id)).toEqual([b.id]);
    const all = await store.list(database.db, { family, includeResolved: true });
    expect(all.map((d) => [d.id, d.resolvedAt !== null])).toEqual([
      [a.id, true],
      [b.id, false],
    ]);

    await database.client`
      update search_sync.dead_letters set resolved_at = '2001-02-03T04:05:06Z' where id = ${a.id}`;
    await store.resolve(database.db, [a.id]);
    const [again] = await store.list(database.db, { family, ids: [a.id], includeResolved: true });
    expect(again.resolvedAt).toEqual(new Date('2001-02-03T04:05:06Z'));

    await store.record(database.db, family, [letter('a', { attempts: 2 })]);
    const open = await store.list(database.db, { family });
    expect(open.map((d) => [d.documentId, d.attempts])).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
    expect(open[1].id).not.toBe(a.id);
  });

  it('resolves the open letters of superseded documents, for their own version only', async () => {
    const family = newFamily();
    const other = newFamily();
    await store.record(database.db, family, [
      letter('a'),
      letter('b'),
      letter('a', { version: 2 }),
      letter('c', { version: 2 }),
    ]);
    await store.record(database.db, other, [letter('a')]);
    await store.resolveSuperseded(database.db, family, [
      { version: 1, id: 'a' },
      { version: 2, id: 'c' },
      { version: 2, id: 'b' },
      { version: 3, id: 'a' },
    ]);
    expect((await store.list(database.db, { family })).map((d) => [d.version, d.documentId])).toEqual([
      [1, 'b'],
      [2, 'a'],
    ]);
    expect(await store.list(database.db, { family: other })).toHaveLength(1);
    await store.resolveSuperseded(database.db, family, []);
    expect(await store.list(database.db, { family })).toHaveLength(2);
  });

  it('says whether a family has open letters and counts them per version', async () => {
    const family = newFamily();
    expect(await store.hasOpen(database.db, family)).toBe(false);
    expect(await store.countOpen(database.db, family)).toEqual(new Map());
    await store.record(database.db, family, [letter('a'), letter('b'), letter('a', { version: 3 })]);
    await store.record(database.db, family, [letter('a')]);
    expect(await store.hasOpen(database.db, family)).toBe(true);
    expect(await store.countOpen(database.db, family)).toEqual(
      new Map([
        [1, 2],
        [3, 1],
      ]),
    );
    const open = await store.list(database.db, { family });
    await store.resolve(database.db, [open[0].id]);
    expect(await store.countOpen(database.db, family)).toEqual(
      new Map([
        [1, 1],
        [3, 1],
      ]),
    );
    await store.resolve(
      database.db,
      open.map((d) => d.id),
    );
    expect(await store.hasOpen(database.db, family)).toBe(false);
    expect(await store.countOpen(database.db, family)).toEqual(new Map());
    expect(await store.hasOpen(database.db, newFamily())).toBe(false);
  });

  it('lists in id order, by version, by ids and up to a limit', async () => {
    const family = newFamily();
    await store.record(
      database.db,
      family,
      ['a', 'b', 'c', 'd'].map((id, i) => letter(id, { version: 1 + (i % 2) })),
    );
    const all = await store.list(database.db, { family });
    expect(all.map((d) => d.documentId)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((x, y) => x - y));
    expect((await store.list(database.db, { family, version: 2 })).map((d) => d.documentId)).toEqual([
      'b',
      'd',
    ]);
    expect(
      (await store.list(database.db, { family, ids: [all[3].id, all[0].id] })).map((d) => d.documentId),
    ).toEqual(['a', 'd']);
    expect((await store.list(database.db, { family, limit: 3 })).map((d) => d.documentId)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});
