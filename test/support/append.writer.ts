import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { seededRandom } from './seeded.random.js';

export interface AppendOptions {
  /** The family whose partitions the writer outpaces. */
  readonly family: string;
  /** Products there were before it started (ids 1..seeded); it updates some of them each round. */
  readonly seeded: number;
  /** Products appended in a round at least, whatever the partitions applied. Default 20. */
  readonly minRows?: number;
  /** Products among the seeded ones updated each round. Default 5. */
  readonly updates?: number;
  readonly seed?: number;
  /** Checked after each round: the writer stops once it says true. */
  readonly until: () => Promise<boolean>;
}

export interface Appender {
  /** Rounds written so far. */
  readonly rounds: () => number;
  /** Products appended so far. */
  readonly appended: () => number;
  /** Resolves once a round that starts after this call is written (or the writer stopped). */
  nextRound(): Promise<void>;
  /** Resolves once the writer stopped by itself (`until` said true). */
  readonly stopped: Promise<void>;
  /** Stops it now, without waiting for `until` (the cleanup of a failed test). */
  halt(): Promise<void>;
}

/**
 * An orders-like writer: appends products at the top of the key space (serial ids), each round twice as
 * many as the family's partitions applied since the round before (at least `minRows`), so it writes
 * faster than the backfill whatever the backfill's speed, and updates a few of the products that were
 * there before it started (rows the partitions read, or will). It stops after the first round after
 * which `until()` says true: whatever it waited for happened while it was writing.
 */
export function startAppender(sql: postgres.Sql, options: AppendOptions): Appender {
  const { family, seeded, minRows = 20, updates = 5 } = options;
  const random = seededRandom(options.seed ?? 1);
  let rounds = 0;
  let appended = 0;
  let halted = false;
  let waiting: (() => void)[] = [];
  const applied = async () => {
    const [{ rows }] = await sql<{ rows: number }[]>`
      select coalesce(sum(rows), 0)::int as rows from search_sync.backfill_partitions where family = ${family}`;
    return rows;
  };
  const wake = () => {
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  const stopped = (async () => {
    let before = await applied();
    try {
      while (!halted) {
        const now = await applied();
        const rows = Math.max(minRows, 2 * (now - before));
        before = now;
        await sql`insert into products (sku, title, description, price, active, category_id)
          select 'A-' || gen_random_uuid(), 'Appended ' || g, 'appended by an orders-like writer',
            (g % 30000) / 100.0, true, (select min(id) from categories)
          from generate_series(1, ${rows}::int) g`;
        const ids = Array.from({ length: updates }, () => 11 + Math.floor(random() * (seeded - 10)));
        await sql`update products set title = 'Updated in round ' || ${rounds}::text, updated_at = now()
          where id = any(${ids}::int[])`;
        rounds++;
        appended += rows;
        wake();
        if (await options.until()) return;
        // Enough for the backfill to move between rounds; the rounds still append twice what it applied.
        await sleep(20);
      }
    } finally {
      halted = true;
      wake();
    }
  })();
  return {
    rounds: () => rounds,
    appended: () => appended,
    nextRound: () => (halted ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
    stopped,
    async halt() {
      halted = true;
      await stopped.catch(() => undefined);
    },
  };
}
