import { setTimeout as sleep } from 'node:timers/promises';
import { pgTable, text } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { transaction } from '../database/database.transaction.js';
import { PartitionLostError } from '../errors/partition-lost.error.js';
import { describeSource } from '../family/sync-source.js';
import { compareKeys } from '../keys/key.order.js';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { BackfillPlanStore } from './backfill-plan.store.js';
import { ClaimGuard } from './partition.guard.js';
import { type PartitionClaim, PartitionStore } from './partition.store.js';

const TTL = 60_000;
const textKeys = describeSource('t', pgTable('t', { key: text('key').primaryKey() })).keys;
const watermark = { changeKey: 41, key: [''], pending: [7, 41] };
const ranges = [
  { after: null, upTo: ['g'] },
  { after: ['g'], upTo: ['p'] },
  { after: ['p'], upTo: ['z'] },
];

describe('PartitionStore', () => {
  let database: StateTestDatabase;
  const plans = new BackfillPlanStore();
  const store = new PartitionStore();
  let families = 0;
  const newFamily = async (version = 2) => {
    const family = `family_${++families}`;
    expect(await plans.plan(database.db, family, version, { watermark, rows: 300, ranges })).toBe(true);
    return family;
  };
  /** Moves a partition's claim expiry into the past, as if its holder had stalled past its TTL. */
  const expire = (claim: PartitionClaim) =>
    database.client`update search_sync.backfill_partitions set expires_at = now() - interval '1 second'
      where family = ${claim.family} and partition = ${claim.partition}`;
  const claimOf = async (family: string, holder: string, ttl = TTL) => {
    const claim = await store.claim(database.db, family, [2], holder, ttl);
    if (!claim) throw new Error('expected a free partition');
    return claim;
  };

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('gives concurrent claimers different partitions (skip locked), then none', async () => {
    const family = await newFamily();
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((h) => store.claim(database.db, family, [2], h, TTL)),
    );
    const taken = claims.filter((c) => c !== null);
    expect(taken.map((c) => c.partition).sort()).toEqual([0, 1, 2]);
    expect(taken.every((c) => c.token === 1 && c.cursor === null)).toBe(true);
    expect(taken.find((c) => c.partition === 1)!.range).toEqual(ranges[1]);
    // Each claim carries its plan's watermark: the partition reads the rows as they stood there.
    for (const claim of taken) expect(claim.watermark).toEqual(watermark);
    expect(await store.claim(database.db, family, [2], 'f', TTL)).toBeNull();
  });

  it('lets another holder take an expired claim from its cursor with a new token; the old token records nothing', async () => {
    const family = await newFamily();
    const first = await claimOf(family, 'a');
    expect(await store.advance(database.db, first, ['c'], 10, TTL, textKeys)).toBe(true);
    await expire(first);
    const second = await claimOf(family, 'b');
    expect(second).toMatchObject({
      partition: first.partition,
      token: first.token + 1,
      cursor: ['c'],
      holder: 'b',
    });
    expect(await store.renew(database.db, first, TTL)).toBe(false);
    expect(await store.advance(database.db, first, ['e'], 5, TTL, textKeys)).toBe(false);
    expect(await store.finish(database.db, first)).toBe(false);
    expect(await store.advance(database.db, second, ['e'], 5, TTL, textKeys)).toBe(true);
    expect(await store.finish(database.db, second)).toBe(true);
    const [done] = await plans.list(database.db, family);
    expect(done).toMatchObject({ state: 'done', holder: 'b', token: 2, rows: 15, claimRows: 5 });
    // Done is final: nobody claims it again, even after it would have expired.
    expect((await claimOf(family, 'c')).partition).not.toBe(first.partition);
  });

  it('frees the row of a holder stalled inside its own transaction once the bound passed, for the next claimer', async () => {
    const family = await newFamily();
    const stalled = await claimOf(family, 'a', 200);
    let wake!: () => void;
    const asleep = new Promise<void>((resolve) => {
      wake = resolve;
    });
    // Holder a's cursor commit: the row updated (locked), then nothing more until it wakes.
    const commit = transaction(database.db, async (tx) => {
      await store.boundHold(tx, 300);
      await store.advance(tx, stalled, ['b'], 1, 200, textKeys);
      await asleep;
    });
    const outcome = commit.then(
      () => 'committed',
      () => 'failed',
    );
    // Claims skip locked rows: the others' partitions first, a's once its session was ended.
    // (The timeout only keeps a row that stays locked from hanging the spec.)
    const taken = await vi.waitFor(
      async () => {
        const claim = await store.claim(database.db, family, [2], 'b', TTL);
        expect(claim?.partition).toBe(stalled.partition);
        return claim!;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(taken).toMatchObject({ token: stalled.token + 1, cursor: null });
    wake();
    expect(await outcome).toBe('failed');
  }, 30_000);

  it('hands a released claim to the next claimer at once', async () => {
    const family = await newFamily();
    const claim = await claimOf(family, 'a');
    await store.release(database.db, claim);
    const next = await claimOf(family, 'b');
    expect(next).toMatchObject({ partition: claim.partition, token: claim.token + 1 });
  });

  it('moves cursors only forward and tokens only up, whatever holders do (in collate "C" order)', async () => {
    const key = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 3 })
      .filter((s) => !s.includes('\u0000'));
    const step = fc.oneof(
      fc.record({ kind: fc.constant('claim' as const), holder: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('expire' as const) }),
      fc.record({ kind: fc.constant('advance' as const), holder: fc.constantFrom('a', 'b'), key }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const family = `prop_${++families}`;
        await plans.plan(database.db, family, 2, { watermark, rows: 1, ranges: [ranges[0]] });
        const claims = new Map<string, PartitionClaim>();
        let cursor: string | null = null;
        let token = 0;
        for (const s of steps) {
          if (s.kind === 'claim') {
            const claim = await store.claim(database.db, family, [2], s.holder, TTL);
            if (claim) claims.set(s.holder, claim);
          } else if (s.kind === 'expire') {
            await database.client`update search_sync.backfill_partitions set expires_at = now() - interval '1 second' where family = ${family}`;
          } else {
            const claim = claims.get(s.holder);
            if (claim) await store.advance(database.db, claim, [s.key], 1, TTL, textKeys);
          }
          const [row] = await database.client<{ cursor: string[] | null; token: string }[]>`
            select cursor, token::text as token from search_sync.backfill_partitions where family = ${family}`;
          const now = row.cursor?.[0] ?? null;
          if (cursor !== null) expect(now !== null && compareKeys(textKeys, [now], [cursor]) >= 0).toBe(true);
          expect(Number(row.token)).toBeGreaterThanOrEqual(token);
          cursor = now;
          token = Number(row.token);
        }
      }),
      { numRuns: 40 },
    );
    // Hundreds of statements: a busy machine takes longer than the default, which is no failure.
  }, 60_000);

  describe('ClaimGuard', () => {
    it('stops its holder once the claim may have run out by its own clock, before any write fails', async () => {
      const family = await newFamily();
      const asked = performance.now();
      const claim = await claimOf(family, 'a', 300);
      const guard = new ClaimGuard(claim, store, database.db, 300, asked);
      // Renewals on its timer keep it alive…
      await sleep(500);
      expect(() => guard.check()).not.toThrow();
      await guard.stop();
      // …until they stop (a paused process renews nothing): past the deadline, it may not send.
      await sleep(400);
      expect(() => guard.check()).toThrow(PartitionLostError);
      expect(guard.signal.aborted).toBe(true);
    });

    it('is lost when a write finds its token stale', async () => {
      const family = await newFamily();
      const asked = performance.now();
      const claim = await claimOf(family, 'a');
      const guard = new ClaimGuard(claim, store, database.db, TTL, asked);
      await expire(claim);
      await claimOf(family, 'b');
      await expect(guard.confirm(() => store.renew(database.db, claim, TTL))).rejects.toThrow(
        PartitionLostError,
      );
      expect(() => guard.check()).toThrow(PartitionLostError);
      await guard.stop();
    });
  });
});
