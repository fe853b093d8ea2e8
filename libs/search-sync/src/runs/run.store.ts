import { and, desc, eq, sql } from 'drizzle-orm';
import type { SyncDatabase } from '../database/database.type.js';
import {
  DEFAULT_STATE_SCHEMA,
  type RunOutcome,
  type StateTables,
  stateTables,
} from '../state/state.schema.js';

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

  async finish(
    db: SyncDatabase,
    id: number,
    result: { outcome: RunOutcome; changes?: number; batches?: number; deadLetters?: number; error?: string },
  ): Promise<void> {
    const { runs } = this.tables;
    await db
      .update(runs)
      .set({ ...result, finishedAt: sql`now()` })
      .where(eq(runs.id, id));
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
