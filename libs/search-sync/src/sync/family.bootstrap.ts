import type { Client } from '@opensearch-project/opensearch';
import { sql } from 'drizzle-orm';
import { DrizzleChangeReader } from '../capture/change.reader.js';
import { assertChangeCaptureInstalled } from '../capture/change-capture.migration.js';
import type { SyncDatabase } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { DefinitionChangedError } from '../errors/definition-changed.error.js';
import { StateNotInstalledError } from '../errors/state-not-installed.error.js';
import type { SyncSource } from '../family/sync-source.js';
import { documentId } from '../keys/document-id.js';
import { keyFieldType } from '../keys/key.field.js';
import { ensureIndex, type IndexDefinition } from '../opensearch/index.manager.js';
import { changedSample, takeSample, type VersionPlan } from '../versions/version.sample.js';
import type { VersionStore } from '../versions/version.store.js';

/** A declared version as bootstrap sees it. */
export interface BootstrapTarget extends IndexDefinition {
  readonly version: number;
  readonly definitionHash: string;
}

export interface FamilyBootstrap<T extends BootstrapTarget> {
  readonly family: string;
  readonly db: SyncDatabase;
  readonly client: Client;
  readonly stateSchema: string;
  readonly source: SyncSource;
  /** Whether the capture mode needs the trigger and tombstone table installed. */
  readonly tombstones: boolean;
  readonly reader: DrizzleChangeReader;
  readonly versions: VersionStore;
  readonly targets: readonly T[];
  /** The pipeline of one version, for the behaviour sample. */
  readonly plan: (target: T) => VersionPlan;
}

/**
 * Checks what a run needs before any runs, then registers the family's versions, in one transaction
 * under a lock per family: the state tables and change capture are installed; no version's definition
 * changed since it was created, by its text (hash) or by what it makes of a sample of rows taken then
 * (a helper the transform calls may have changed); new versions are registered with their sample and
 * their indexes created with backfill settings. A refused bootstrap writes nothing.
 */
export async function bootstrapFamily<T extends BootstrapTarget>(b: FamilyBootstrap<T>): Promise<void> {
  const [state] = await queryRows<{ ready: boolean }>(
    b.db,
    sql`select to_regclass(${`"${b.stateSchema}".versions`}) is not null
      and to_regclass(${`"${b.stateSchema}".runs`}) is not null as ready`,
  );
  if (!state.ready) throw new StateNotInstalledError(b.stateSchema);
  if (b.tombstones) await assertChangeCaptureInstalled(b.db, b.source, b.stateSchema);
  const built: string[] = [];
  try {
    await b.db.transaction(async (tx) => {
      // Samples are read in the transaction: on a database with one connection (PGlite), a read beside
      // it would wait for that connection forever.
      const reader = new DrizzleChangeReader(tx, b.reader.options);
      await b.versions.lock(tx, b.family);
      const stored = new Map((await b.versions.list(tx, b.family)).map((v) => [v.version, v]));
      for (const target of b.targets) {
        const record = stored.get(target.version);
        if (!record || record.state === 'retired') continue;
        if (record.definitionHash !== target.definitionHash) {
          throw new DefinitionChangedError(b.family, target.version);
        }
        const changed = record.sample && (await changedSample(reader, b.plan(target), record.sample));
        if (changed) throw new DefinitionChangedError(b.family, target.version, documentId(changed.key));
      }
      await b.versions.register(
        tx,
        b.targets
          .filter((t) => !stored.has(t.version))
          .map((t) => ({
            family: b.family,
            version: t.version,
            indexName: t.index,
            definitionHash: t.definitionHash,
          })),
      );
      for (const target of b.targets) {
        const record = stored.get(target.version);
        const state = record?.state ?? 'created';
        if (state === 'retired') continue;
        // A version created before there were rows (or before samples) gets its sample at the first
        // bootstrap that finds some.
        if (!record?.sample?.length) {
          await b.versions.setSample(tx, b.family, target.version, await takeSample(reader, b.plan(target)));
        }
        if (await ensureIndex(b.client, target, keyFieldType(b.source.keys), state === 'created'))
          built.push(target.index);
        if (state === 'created') await b.versions.setState(tx, b.family, target.version, 'backfilling');
      }
    });
  } catch (error) {
    // With its registration rolled back, an index built here would be adopted as it is by the next
    // deployment of that version number, whatever mappings that one declares.
    await Promise.all(built.map((index) => b.client.indices.delete({ index }, { ignore: [404] })));
    throw error;
  }
}
