import { bigint, integer, jsonb, type PgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { KeyValue } from '../../keys/key.types.js';

/** The lifecycle of a version: created → backfilling → live → serving → retired. */
export type VersionState = 'created' | 'backfilling' | 'live' | 'serving' | 'retired';

/** What a version's pipeline made of one source row, and the row it made it of. */
export interface SampledDocument {
  readonly key: readonly KeyValue[];
  readonly rowVersion: number;
  /** Hash of the document (or `delete` when the filter left the row out, `error:<type>` when it threw). */
  readonly hash: string;
  /**
   * The row as read, relations included (see `versions/sample-input.codec.ts`). Absent from samples taken by
   * library versions before 0.3, which are taken again at the next bootstrap.
   */
  readonly input?: string;
}

/** Each version of each family: its index, lifecycle state and the hash of its definition. */
export const versionTable = (schema: PgSchema) =>
  schema.table(
    'versions',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      indexName: text('index_name').notNull(),
      state: text('state').$type<VersionState>().notNull(),
      definitionHash: text('definition_hash').notNull(),
      /** When the alias last moved to this version: rollback goes back to the one promoted before. */
      promotedAt: timestamp('promoted_at', { withTimezone: true }),
      /** For a retired version, when its index may be deleted. */
      deleteAfter: timestamp('delete_after', { withTimezone: true }),
      /**
       * What the version's transform made of a few source rows when the version was created (hashes of
       * the documents), so a bootstrap can tell that its behaviour changed though its text did not.
       */
      sample: jsonb('sample').$type<readonly SampledDocument[]>(),
      /**
       * Added to the row version of every write to the version's index: an adopted index holds another
       * state's documents, whose external versions this state's row versions would not pass.
       */
      versionBase: bigint('version_base', { mode: 'number' }).notNull().default(0),
      /** The owner an adopted index had (its `_meta`), until reconcile has made it equal to the source. */
      adoptedFrom: jsonb('adopted_from'),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.family, t.version] })],
  );
