import type { Client } from '@opensearch-project/opensearch';
import { FamilySync } from 'search-sync';
import { expect } from 'vitest';
import { productsFamily, productsV1, productsV2 } from '../../src/catalog/products.family.js';
import { startAppender } from './append.writer.js';
import { expectVersionsMatchSource } from './catalog.expect.js';
import { eventually } from './eventually.js';
import type { TestDatabase } from './test-database.js';

const CLAIM_TTL_MS = 5000;
/** Only keeps a backfill that cannot finish from hanging the suite: it is stopped then, and the test fails. */
const GIVE_UP_MS = 60_000;
const LEAD = { holder: 'lead', claimTtlMs: CLAIM_TTL_MS };

export interface PartitionedProductsOptions {
  readonly rowsPerPartition: number;
  readonly batchSize: number;
}

/**
 * A new products family (both versions) whose backfill goes through partitions, driven step by step in
 * this process: the lead's steps, instances working partitions, the stream, each when the test says.
 */
export class PartitionedProducts {
  readonly sync: FamilySync;
  /** Another reader of the same state, as another process's status would be. */
  readonly observer: FamilySync;

  constructor(
    private readonly database: TestDatabase,
    private readonly client: Client,
    readonly family: string,
    options: PartitionedProductsOptions,
  ) {
    const definition = {
      ...productsFamily(family),
      backfill: { partitioned: true, rowsPerPartition: options.rowsPerPartition, minPartitions: 1 },
    };
    const sync = { db: database.db, client, batchSize: options.batchSize };
    this.sync = new FamilySync(definition, sync);
    this.observer = new FamilySync(definition, sync);
  }

  /**
   * The lead's steps without its stream: a run stopped before it starts plans the new versions'
   * partitions, and merges those whose partitions are all done, but reads nothing.
   */
  leadSteps() {
    return this.sync.run({ partitions: LEAD, signal: AbortSignal.abort() });
  }

  /** `instances` instances work partitions at the same time until none is free; the rows they applied. */
  async workPartitions(instances = 1): Promise<number> {
    const signal = AbortSignal.timeout(GIVE_UP_MS);
    const reports = await Promise.all(
      Array.from({ length: instances }, (_, i) =>
        this.sync.workPartitions({ holder: `worker-${i}`, claimTtlMs: CLAIM_TTL_MS, signal }),
      ),
    );
    return reports.reduce((sum, r) => sum + r.rows, 0);
  }

  /** Whether both versions' plans merged. */
  async merged(): Promise<boolean> {
    const plans = await this.database.client<{ merged: boolean }[]>`
      select merged_at is not null as merged from search_sync.backfill_plans where family = ${this.family}`;
    return plans.length === 2 && plans.every((p) => p.merged);
  }

  /** Per version, the rows its partitions applied and the rows the source had at its watermark. */
  async rowsRead() {
    return this.database.client<{ version: number; read: number; planned: number }[]>`
      select plan.version, coalesce(sum(p.rows), 0)::int as read, plan.rows::int as planned
      from search_sync.backfill_plans plan
        left join search_sync.backfill_partitions p on p.family = plan.family and p.version = plan.version
      where plan.family = ${this.family} group by plan.version, plan.rows order by plan.version`;
  }

  partitions() {
    return this.database.client<{ version: number; state: string; rows: number }[]>`
      select version, state, rows::int as rows from search_sync.backfill_partitions
      where family = ${this.family} order by version, partition`;
  }

  /** Runs until both versions are caught up (live, or serving for the first), then compares them with the source. */
  async expectCaughtUp(): Promise<void> {
    const { database, family } = this;
    await eventually(async () => {
      await this.sync.run({ partitions: LEAD });
      const versions = await database.client`select state from search_sync.versions where family = ${family}`;
      for (const { state } of versions) expect(['live', 'serving']).toContain(state);
    }, 120_000);
    await eventually(() =>
      expectVersionsMatchSource(this.client, database, family, [productsV1, productsV2]),
    );
  }

  /**
   * The whole backfill while an orders-like writer appends faster than it goes (`startAppender`): the
   * lead plans, `instances` work every partition, the lead merges, the writer stops once it has seen the
   * merge, and the stream catches up; the versions must then equal the source. What was written and read.
   */
  async backfillWhileAppending(options: {
    readonly seeded: number;
    readonly instances?: number;
    readonly minRows?: number;
    readonly updates?: number;
    readonly seed?: number;
  }) {
    await this.sync.prepare();
    const appender = startAppender(this.database.client, {
      ...options,
      family: this.family,
      until: () => this.merged(),
    });
    try {
      await this.leadSteps();
      const worked = await this.workPartitions(options.instances);
      expect((await this.partitions()).filter((p) => p.state !== 'done')).toEqual([]);
      await this.leadSteps();
      expect(await this.merged()).toBe(true);
      await appender.stopped;
      await this.expectCaughtUp();
      return {
        worked,
        appended: appender.appended(),
        rounds: appender.rounds(),
        read: await this.rowsRead(),
      };
    } finally {
      await appender.halt();
    }
  }
}
