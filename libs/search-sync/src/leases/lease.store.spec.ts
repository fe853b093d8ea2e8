import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { type Lease, type LeaseAttempt, LeaseStore } from './lease.store.js';

const TTL = 60_000;

function leaseOf(attempt: LeaseAttempt): Lease {
  if (!attempt.acquired) throw new Error(`expected the lease, it is held by ${attempt.heldBy}`);
  return attempt.lease;
}

describe('LeaseStore', () => {
  let database: StateTestDatabase;
  const store = new LeaseStore();
  let families = 0;
  const newFamily = () => `family_${++families}`;

  /** Moves a lease's expiry into the past, as if its holder had stalled past its TTL. */
  const expire = (family: string) =>
    database.client`update search_sync.leases set expires_at = now() - interval '1 second' where family = ${family}`;

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('gives a free family to the first holder, with token 1', async () => {
    const family = newFamily();
    expect(await store.acquire(database.db, family, 'a', TTL)).toEqual({
      acquired: true,
      lease: { family, holder: 'a', token: 1 },
    });
  });

  it('refuses another holder while the lease runs, and names the holder', async () => {
    const family = newFamily();
    leaseOf(await store.acquire(database.db, family, 'a', TTL));
    expect(await store.acquire(database.db, family, 'b', TTL)).toEqual({
      acquired: false,
      heldBy: 'a',
      expiresAt: expect.any(Date),
    });
    // Other families are independent.
    expect((await store.acquire(database.db, newFamily(), 'b', TTL)).acquired).toBe(true);
  });

  it('lets its holder take it again, with a new token that fences the old one', async () => {
    const family = newFamily();
    const first = leaseOf(await store.acquire(database.db, family, 'a', TTL));
    const again = leaseOf(await store.acquire(database.db, family, 'a', TTL));
    expect(again.token).toBe(first.token + 1);
    expect(await store.renew(database.db, first, TTL)).toBe(false);
    expect(await store.renew(database.db, again, TTL)).toBe(true);
  });

  it('renews a current lease: its expiry moves and other holders stay out', async () => {
    const family = newFamily();
    const lease = leaseOf(await store.acquire(database.db, family, 'a', 1000));
    expect(await store.renew(database.db, lease, TTL)).toBe(true);
    const [{ ttl }] = await database.client<{ ttl: number }[]>`
      select extract(epoch from expires_at - now())::float8 as ttl from search_sync.leases where family = ${family}`;
    expect(ttl).toBeGreaterThan(1);
    expect(await store.acquire(database.db, family, 'b', TTL)).toEqual({
      acquired: false,
      heldBy: 'a',
      expiresAt: expect.any(Date),
    });
  });

  it('lets another holder take over an expired lease with a higher token; the old holder can neither renew nor release it', async () => {
    const family = newFamily();
    const first = leaseOf(await store.acquire(database.db, family, 'a', TTL));
    await expire(family);
    const second = leaseOf(await store.acquire(database.db, family, 'b', TTL));
    expect(second).toEqual({ family, holder: 'b', token: first.token + 1 });
    expect(await store.renew(database.db, first, TTL)).toBe(false);
    await store.release(database.db, first);
    expect(await store.acquire(database.db, family, 'a', TTL)).toEqual({
      acquired: false,
      heldBy: 'b',
      expiresAt: expect.any(Date),
    });
    expect(await store.renew(database.db, second, TTL)).toBe(true);
  });

  it('lets the next holder in at once after a release', async () => {
    const family = newFamily();
    const first = leaseOf(await store.acquire(database.db, family, 'a', TTL));
    await store.release(database.db, first);
    const second = leaseOf(await store.acquire(database.db, family, 'b', TTL));
    expect(second.token).toBe(first.token + 1);
  });

  it('keeps tokens growing across every change of holder', async () => {
    const family = newFamily();
    const tokens: number[] = [];
    for (const holder of ['a', 'b', 'a', 'c', 'c', 'b']) {
      const lease = leaseOf(await store.acquire(database.db, family, holder, TTL));
      tokens.push(lease.token);
      await store.release(database.db, lease);
    }
    expect(tokens).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives a contended lease to exactly one of several holders acquiring at once', async () => {
    for (let round = 0; round < 5; round++) {
      const family = newFamily();
      const holders = ['a', 'b', 'c', 'd'];
      const attempts = await Promise.all(holders.map((h) => store.acquire(database.db, family, h, TTL)));
      const winners = attempts.flatMap((a) => (a.acquired ? [a.lease] : []));
      expect(winners).toHaveLength(1);
      for (const attempt of attempts) {
        if (!attempt.acquired) expect(attempt.heldBy).toBe(winners[0].holder);
      }
      if (round % 2 === 1) await expire(family);
      else await store.release(database.db, winners[0]);
      const next = await Promise.all(holders.map((h) => store.acquire(database.db, family, `${h}2`, TTL)));
      const nextWinners = next.flatMap((a) => (a.acquired ? [a.lease] : []));
      expect(nextWinners.map((l) => l.token)).toEqual([winners[0].token + 1]);
    }
  });
});
