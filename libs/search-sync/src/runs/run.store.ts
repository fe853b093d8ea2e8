import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { SyncDatabase } from '../database/database.type.js';
import { messages } from '../errors/search-sync.messages.js';
import { DEFAULT_STATE_SCHEMA, type StateTables, stateTables } from '../state/state.schema.js';
import type { RunOutcome } from '../state/tables/run.table.js';

export interface RunRecord {
  readonly id: number;
  readonly family: string;
  readonly holder: string;
  readonly token: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly outcome: RunOutcome;
  readonly changes: number;
  readonly batches: number;
  readonly deadLetters: number;
  readonly error: string | null;
}

/** The run log: one row per run, written when it starts and when it ends. */
export class RunStore {
  private readonly tables: StateTables;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.tables = stateTables(stateSchema);
  }

  async start(
    db: SyncDatabase,
    family: string,
    holder: string,
    token: number | null,
    outcome: RunOutcome = 'running',
  ) {
    const { runs } = this.tables;
    const [row] = await db
      .insert(runs)
      .values({ family, holder, token, outcome, finishedAt: outcome === 'running' ? null : sql`now()` })
      .returning({ id: runs.id });
    return row.id;
  }

  /**
   * Ends a run. One already closed as abandoned stays so: the instance that took the family over has
   * run since, and the log keeps runs one after another.
   */
  async finish(
    db: SyncDatabase,
    id: number,
    result: { outcome: RunOutcome; changes?: number; batches?: number; deadLetters?: number; error?: string },
  ): Promise<void> {
    const { runs } = this.tables;
    await db
      .update(runs)
      .set({ ...result, finishedAt: sql`now()` })
      .where(and(eq(runs.id, id), eq(runs.outcome, 'running')));
  }

  /**
   * Closes the runs of a family still marked running under an older lease token, once `holder` holds
   * the lease with `token`: their instance died or stalled past the lease's expiry and never finished them.
   */
  async abandon(db: SyncDatabase, family: string, token: number, holder: string): Promise<void> {
    const { runs } = this.tables;
    await db
      .update(runs)
      .set({ outcome: 'abandoned', finishedAt: sql`now()`, error: messages.runAbandoned(holder) })
      .where(and(eq(runs.family, family), eq(runs.outcome, 'running'), lt(runs.token, token)));
  }

  async last(db: SyncDatabase, family: string): Promise<RunRecord | undefined> {
    const { runs } = this.tables;
    const [row] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.family, family), sql`${runs.outcome} not in ('skipped', 'running')`))
      .orderBy(desc(runs.id))
      .limit(1);
    return row;
  }

  async list(db: SyncDatabase, family: string): Promise<RunRecord[]> {
    const { runs } = this.tables;
    return db.select().from(runs).where(eq(runs.family, family)).orderBy(runs.id);
  }
}
