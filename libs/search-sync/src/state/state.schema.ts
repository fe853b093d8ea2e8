import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { assertSqlIdentifier } from '../utils/identifier.util.js';
import type { SampledDocument } from '../versions/version.sample.js';

export const DEFAULT_STATE_SCHEMA = 'search_sync';

/** The lifecycle of a version: created → backfilling → live → serving → retired. */
export type VersionState = 'created' | 'backfilling' | 'live' | 'serving' | 'retired';

/** A backfill partition: waiting for an instance, claimed by one (until its claim expires), or done. */
export type PartitionState = 'waiting' | 'claimed' | 'done';

/** `abandoned`: the run's lease expired before it finished (its process died or stalled); the next holder closed it. */
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'skipped' | 'stopped' | 'abandoned';

/**
 * The library's own tables, in a schema the user chooses. drizzle-kit reads the default instance
 * (`searchSyncState`) so the tables appear in the user's generated migrations like their own.
 */
export function defineStateTables(schemaName: string = DEFAULT_STATE_SCHEMA) {
  const schema = pgSchema(assertSqlIdentifier(schemaName, 'State schema'));

  /** Row versions of every synced table: one sequence, so versions also order writes across tables. */
  const rowVersionSeq = schema.sequence('row_version_seq');

  const checkpoints = schema.table(
    'checkpoints',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      changeKey: bigint('change_key', { mode: 'number' }).notNull(),
      /** The primary key of the last change applied, as a JSON array of the key columns' values. */
      key: jsonb('key').$type<unknown[]>().notNull(),
      /**
       * Transactions in progress, below `change_key`, when the read that reached the checkpoint was
       * bounded: their changes are not applied yet (a later run reads them by id once they end).
       */
      pending: bigint('pending', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.family, t.version] })],
  );

  const deadLetters = schema.table(
    'dead_letters',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      family: text('family').notNull(),
      version: integer('version').notNull(),
      documentId: text('document_id').notNull(),
      operation: text('operation').$type<'index' | 'delete'>().notNull(),
      document: jsonb('document'),
      errorType: text('error_type').notNull(),
      reason: text('reason').notNull(),
      statusCode: integer('status_code'),
      attempts: integer('attempts').notNull(),
      rowVersion: bigint('row_version', { mode: 'number' }).notNull(),
      firstFailedAt: timestamp('first_failed_at', { withTimezone: true }).notNull().defaultNow(),
      lastFailedAt: timestamp('last_failed_at', { withTimezone: true }).notNull().defaultNow(),
      resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    },
    (t) => [
      // One open dead letter per document and version: a new failure of the same document updates it.
      uniqueIndex('dead_letters_open_uq')
        .on(t.family, t.version, t.documentId)
        .where(sql`resolved_at is null`),
      index('dead_letters_family_idx').on(t.family, t.version, t.id),
    ],
  );

  /** Each version of each family: its index, lifecycle state and the hash of its definition. */
  const versions = schema.table(
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

  /** Who may run a family now: one row per family, with an expiry and a fencing token. */
  const leases = schema.table('leases', {
    family: text('family').primaryKey(),
    holder: text('holder').notNull(),
    token: bigint('token', { mode: 'number' }).notNull(),
    acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  });

  /** Every run of every family, with its outcome: status reads the last one, tests read them all. */
  const runs = schema.table(
    'runs',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      family: text('family').notNull(),
      holder: text('holder').notNull(),
      token: bigint('token', { mode: 'number' }),
      startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
      finishedAt: timestamp('finished_at', { withTimezone: true }),
      outcome: text('outcome').$type<RunOutcome>().notNull(),
      changes: integer('changes').notNull().default(0),
      batches: integer('batches').notNull().default(0),
      deadLetters: integer('dead_letters').notNull().default(0),
      error: text('error'),
    },
    (t) => [
      index('runs_family_idx').on(t.family, t.id),
      // Every lease taken looks for runs an earlier holder left running: few rows among a growing log.
      index('runs_running_idx').on(t.family).where(sql`outcome = 'running'`),
    ],
  );

  /**
   * Rows of related tables that changed (their join values), per synced table (`schema.table`) and
   * relation path, until a sync has touched their parents: the related-change triggers write them, the
   * fan-out consumes them (the touched parents are changes of every family over that table).
   */
  const relatedChanges = schema.table(
    'related_changes',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      source: text('source').notNull(),
      path: text('path').notNull(),
      vals: jsonb('vals').notNull(),
      /** The writing transaction: a parent it wrote as well is synced by its own change, not touched. */
      xid: bigint('xid', { mode: 'number' }).notNull(),
    },
    (t) => [index('related_changes_source_idx').on(t.source, t.path, t.id)],
  );

  /**
   * Which state this is and which database it lives in: the id every index it creates carries in its
   * `_meta`. A state found in another database than its row names (a restored backup, a copy) is given a
   * new id that remembers the one it was copied from, so it never takes the original's indexes for its own.
   */
  const identity = schema.table('identity', {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `pg_control_system()`: the PostgreSQL cluster, different for every initdb. */
    systemIdentifier: text('system_identifier').notNull(),
    databaseName: text('database_name').notNull(),
    copiedFrom: uuid('copied_from'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  });

  /**
   * A new version's partitioned backfill: the low watermark its checkpoint is set to once every
   * partition is done (a snapshot position, with the transactions then in progress pending), and when.
   */
  const backfillPlans = schema.table(
    'backfill_plans',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      changeKey: bigint('change_key', { mode: 'number' }).notNull(),
      key: jsonb('key').$type<unknown[]>().notNull(),
      pending: bigint('pending', { mode: 'number' }).array().notNull(),
      /** Source rows when the key space was cut (for progress and ETA). */
      rows: bigint('rows', { mode: 'number' }).notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      /** When the version's checkpoint was set to the watermark; the ordinary stream goes on from there. */
      mergedAt: timestamp('merged_at', { withTimezone: true }),
    },
    (t) => [primaryKey({ columns: [t.family, t.version] })],
  );

  /**
   * The key ranges of a partitioned backfill, `(after, up_to]` (a null end is open), each claimed by one
   * instance at a time with a token bumped on every claim; `cursor` is the last key applied.
   */
  const backfillPartitions = schema.table(
    'backfill_partitions',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      partition: integer('partition').notNull(),
      after: jsonb('after').$type<unknown[]>(),
      upTo: jsonb('up_to').$type<unknown[]>(),
      cursor: jsonb('cursor').$type<unknown[]>(),
      state: text('state').$type<PartitionState>().notNull().default('waiting'),
      holder: text('holder'),
      token: bigint('token', { mode: 'number' }).notNull().default(0),
      expiresAt: timestamp('expires_at', { withTimezone: true }),
      /** Rows applied, by every holder. */
      rows: bigint('rows', { mode: 'number' }).notNull().default(0),
      claimedAt: timestamp('claimed_at', { withTimezone: true }),
      /** Rows applied since `claimed_at` by the current holder (its rate in status). */
      claimRows: bigint('claim_rows', { mode: 'number' }).notNull().default(0),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
      doneAt: timestamp('done_at', { withTimezone: true }),
    },
    (t) => [primaryKey({ columns: [t.family, t.version, t.partition] })],
  );

  return {
    schema,
    rowVersionSeq,
    checkpoints,
    deadLetters,
    versions,
    leases,
    runs,
    relatedChanges,
    identity,
    backfillPlans,
    backfillPartitions,
  };
}

export type StateTables = ReturnType<typeof defineStateTables>;

const cache = new Map<string, StateTables>();

/** One set of table objects per schema name, so stores do not rebuild them per call. */
export function stateTables(schemaName: string = DEFAULT_STATE_SCHEMA): StateTables {
  let tables = cache.get(schemaName);
  if (!tables) {
    tables = defineStateTables(schemaName);
    cache.set(schemaName, tables);
  }
  return tables;
}

export const searchSyncState = stateTables();

// Top-level exports of the default instance: drizzle-kit only sees tables exported by name.
export const searchSyncSchema = searchSyncState.schema;
export const searchSyncRowVersionSeq = searchSyncState.rowVersionSeq;
export const searchSyncCheckpoints = searchSyncState.checkpoints;
export const searchSyncDeadLetters = searchSyncState.deadLetters;
export const searchSyncVersions = searchSyncState.versions;
export const searchSyncRelatedChanges = searchSyncState.relatedChanges;
export const searchSyncLeases = searchSyncState.leases;
export const searchSyncRuns = searchSyncState.runs;
export const searchSyncIdentity = searchSyncState.identity;
export const searchSyncBackfillPlans = searchSyncState.backfillPlans;
export const searchSyncBackfillPartitions = searchSyncState.backfillPartitions;
