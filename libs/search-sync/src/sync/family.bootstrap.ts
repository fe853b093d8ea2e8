import type { Client } from '@opensearch-project/opensearch';
import { type CapturedSource, onDatabase } from '../capture/captured.source.js';
import { SourceRows } from '../capture/source.rows.js';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import { DefinitionChangedError } from '../errors/definition-changed.error.js';
import { messages } from '../errors/search-sync.messages.js';
import { documentId } from '../keys/document-id.js';
import { keyFieldType } from '../keys/key.field.js';
import { ensureIndex } from '../opensearch/index.manager.js';
import {
  adoptIndex,
  claimIndexes,
  type OwnedIndexDefinition,
  ownerOf,
  restoreMeta,
} from '../opensearch/index.owner.js';
import type { FamilyRelations } from '../related/related.paths.js';
import {
  assertRelatedCaptureInstalled,
  leftoverRelatedCapture,
} from '../related/related-capture.migration.js';
import type { StateIdentityStore } from '../state/state.identity.js';
import { changedSample, keepsInputs, takeSample, type VersionPlan } from '../versions/version.sample.js';
import type { VersionStore } from '../versions/version.store.js';
import { assertFamilyInstalled } from './family.guard.js';
import type { BootstrapReport } from './sync.interface.js';

/** A declared version as bootstrap sees it, with the hash earlier library versions gave its definition. */
export type BootstrapTarget = OwnedIndexDefinition & { readonly formerDefinitionHash: string };

export interface FamilyBootstrap<T extends BootstrapTarget> {
  readonly family: string;
  readonly db: SyncDatabase;
  readonly client: Client;
  /** The source as the reads see it (its capture mode, tombstones, state schema); the sample is read through it. */
  readonly captured: CapturedSource;
  readonly versions: VersionStore;
  readonly identities: StateIdentityStore;
  /** Indexes of other owners that bootstrap may adopt (see `SyncOptions.adopt`). */
  readonly adopt: readonly string[];
  readonly targets: readonly T[];
  /** The relations whose triggers must be installed, and those opted out of (whose triggers should go). */
  readonly related: FamilyRelations;
  /** The pipeline of one version, for the behaviour sample. */
  readonly plan: (target: T) => VersionPlan;
}

/**
 * Checks what a run needs before any runs, then registers the family's versions, in one transaction
 * under a lock per family: the state tables and change capture are installed; no version's definition
 * changed since it was created, by its text (hash) or by what it makes of the rows sampled and stored
 * then (a helper the transform calls may have changed; the database's data today never counts); every
 * index that exists is this state's, or listed for adoption; new versions are registered with their
 * sample and their indexes created, owned by this state, with backfill settings; listed indexes are
 * adopted. A refused bootstrap writes nothing.
 */
export async function bootstrapFamily<T extends BootstrapTarget>(
  b: FamilyBootstrap<T>,
): Promise<BootstrapReport> {
  await assertFamilyInstalled(b.db, b.family, b.captured);
  await assertRelatedCaptureInstalled(b.db, b.family, b.captured.source, b.related.tracked);
  const built: string[] = [];
  const adopted: { index: string; meta: Record<string, unknown> }[] = [];
  const notices: string[] = [];
  const leftover = await leftoverRelatedCapture(b.db, b.captured.source, b.related.optedOut);
  if (leftover.length > 0)
    notices.push(
      messages.optedOutTriggersLeft(
        b.family,
        leftover.map((p) => p.path),
      ),
    );
  const keyField = keyFieldType(b.captured.source.keys);
  try {
    await transaction(b.db, async (tx) => {
      // Samples are read in the transaction: on a database with one connection (PGlite), a read beside
      // it would wait for that connection forever.
      const reader = new SourceRows(onDatabase(b.captured, tx));
      const { identity, copyOf } = await b.identities.resolve(tx);
      if (copyOf) notices.push(messages.stateCopied(b.captured.stateSchema, copyOf, identity));
      await b.versions.lock(tx, b.family);
      const stored = new Map((await b.versions.list(tx, b.family)).map((v) => [v.version, v]));
      for (const target of b.targets) {
        const record = stored.get(target.version);
        if (!record || record.state === 'retired') continue;
        if (record.definitionHash !== target.definitionHash) {
          if (record.definitionHash !== target.formerDefinitionHash)
            throw new DefinitionChangedError(b.family, target.version);
          await b.versions.setDefinitionHash(tx, b.family, target.version, target.definitionHash);
        }
        const changed =
          record.sample && keepsInputs(record.sample) && (await changedSample(b.plan(target), record.sample));
        if (changed) throw new DefinitionChangedError(b.family, target.version, documentId(changed.key));
      }
      const active = b.targets.filter((t) => stored.get(t.version)?.state !== 'retired');
      const claims = await claimIndexes(b.client, b.family, active, identity, b.adopt);
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
      for (const target of active) {
        const record = stored.get(target.version);
        const state = record?.state ?? 'created';
        // A version created before there were rows gets its sample at the first bootstrap that finds
        // some; one whose sample kept no rows (library versions before 0.3) gets one without a check.
        if (!record?.sample || !keepsInputs(record.sample)) {
          await b.versions.setSample(tx, b.family, target.version, await takeSample(reader, b.plan(target)));
        }
        const claim = claims.get(target)!;
        const owner = ownerOf(identity, b.family, target);
        if (claim.kind === 'create') {
          if (await ensureIndex(b.client, target, keyField, owner, state === 'created'))
            built.push(target.index);
          // Made meanwhile by another bootstrap: refused unless it is this state's.
          else await claimIndexes(b.client, b.family, [target], identity, []);
        } else if (claim.kind === 'adopt') {
          adopted.push({ index: target.index, meta: claim.meta });
          const versionBase = await adoptIndex(b.client, target.index, owner, keyField, claim.meta);
          await b.versions.adopt(tx, b.family, target.version, { versionBase, owner: claim.owner });
        }
        if (state === 'created') await b.versions.setState(tx, b.family, target.version, 'backfilling');
      }
    });
  } catch (error) {
    // With its registration rolled back, an index built here would be adopted as it is by the next
    // deployment of that version number, whatever mappings that one declares.
    await Promise.all(built.map((index) => b.client.indices.delete({ index }, { ignore: [404] })));
    await Promise.all(adopted.map(({ index, meta }) => restoreMeta(b.client, index, meta)));
    throw error;
  }
  return { notices };
}
