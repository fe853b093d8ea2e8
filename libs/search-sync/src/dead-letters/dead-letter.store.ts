import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { SyncDatabase, SyncExecutor } from '../database/database.type.js';
import { documentKey } from '../pipeline/dead-letter.record.js';
import type { DeadLetterRecord } from '../pipeline/pipeline.interface.js';
import { DEFAULT_STATE_SCHEMA, type StateTables, stateTables } from '../state/state.schema.js';
import type { DeadLetter, DeadLetterQuery } from './dead-letter.interface.js';

/** Document operations that failed for good, per family and version, replayable. */
export class DeadLetterStore {
  private readonly tables: StateTables;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.tables = stateTables(stateSchema);
  }

  /** Records failures; a document that already has an open dead letter gets it updated, not a second one. */
  async record(
    db: SyncExecutor & Pick<SyncDatabase, 'insert'>,
    family: string,
    letters: readonly DeadLetterRecord[],
  ) {
    if (letters.length === 0) return;
    const { deadLetters } = this.tables;
    await db
      .insert(deadLetters)
      .values(
        mergeByDocument(letters).map((letter) => ({ family, ...letter, document: letter.document ?? null })),
      )
      .onConflictDoUpdate({
        target: [deadLetters.family, deadLetters.version, deadLetters.documentId],
        targetWhere: isNull(deadLetters.resolvedAt),
        set: {
          operation: sql`excluded.operation`,
          document: sql`excluded.document`,
          errorType: sql`excluded.error_type`,
          reason: sql`excluded.reason`,
          statusCode: sql`excluded.status_code`,
          attempts: sql`${deadLetters.attempts} + excluded.attempts`,
          rowVersion: sql`greatest(${deadLetters.rowVersion}, excluded.row_version)`,
          lastFailedAt: sql`now()`,
        },
      });
  }

  async list(db: SyncDatabase, query: DeadLetterQuery): Promise<DeadLetter[]> {
    const { deadLetters } = this.tables;
    return db
      .select()
      .from(deadLetters)
      .where(
        and(
          eq(deadLetters.family, query.family),
          query.version === undefined ? undefined : eq(deadLetters.version, query.version),
          query.includeResolved ? undefined : isNull(deadLetters.resolvedAt),
          query.ids ? inArray(deadLetters.id, [...query.ids]) : undefined,
        ),
      )
      .orderBy(asc(deadLetters.id))
      .limit(query.limit ?? 1000);
  }

  async resolve(db: SyncDatabase, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const { deadLetters } = this.tables;
    await db
      .update(deadLetters)
      .set({ resolvedAt: sql`now()` })
      .where(and(inArray(deadLetters.id, [...ids]), isNull(deadLetters.resolvedAt)));
  }

  /** Whether the family has any open dead letter (so commits know whether to look for ones to resolve). */
  async hasOpen(db: SyncDatabase, family: string): Promise<boolean> {
    const { deadLetters } = this.tables;
    const rows = await db
      .select({ id: deadLetters.id })
      .from(deadLetters)
      .where(and(eq(deadLetters.family, family), isNull(deadLetters.resolvedAt)))
      .limit(1);
    return rows.length > 0;
  }

  /**
   * Resolves the open dead letters of documents that a later operation has now written: the failure
   * they record is superseded, so they no longer need a replay.
   */
  async resolveSuperseded(
    db: SyncDatabase,
    family: string,
    documents: readonly { version: number; id: string }[],
  ) {
    const { deadLetters } = this.tables;
    const byVersion = new Map<number, string[]>();
    for (const { version, id } of documents) {
      const ids = byVersion.get(version);
      if (ids) ids.push(id);
      else byVersion.set(version, [id]);
    }
    for (const [version, ids] of byVersion) {
      await db
        .update(deadLetters)
        .set({ resolvedAt: sql`now()` })
        .where(
          and(
            eq(deadLetters.family, family),
            eq(deadLetters.version, version),
            isNull(deadLetters.resolvedAt),
            inArray(deadLetters.documentId, ids),
          ),
        );
    }
  }

  async countOpen(db: SyncDatabase, family: string): Promise<Map<number, number>> {
    const { deadLetters } = this.tables;
    const rows = await db
      .select({ version: deadLetters.version, count: sql<number>`count(*)::int` })
      .from(deadLetters)
      .where(and(eq(deadLetters.family, family), isNull(deadLetters.resolvedAt)))
      .groupBy(deadLetters.version);
    return new Map(rows.map((row) => [row.version, row.count]));
  }
}

/**
 * One letter per document and version: an insert cannot update one row twice, and a batch can fail one
 * document twice (its tombstone and its row, both refused). The last failure wins; attempts add up and
 * the highest row version is kept, as `record` does across calls.
 */
function mergeByDocument(letters: readonly DeadLetterRecord[]): DeadLetterRecord[] {
  const merged = new Map<string, DeadLetterRecord>();
  for (const letter of letters) {
    const key = documentKey(letter.version, letter.documentId);
    const earlier = merged.get(key);
    merged.set(
      key,
      earlier
        ? {
            ...letter,
            attempts: earlier.attempts + letter.attempts,
            rowVersion: Math.max(earlier.rowVersion, letter.rowVersion),
          }
        : letter,
    );
  }
  return [...merged.values()];
}
