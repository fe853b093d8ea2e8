import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { messages } from '../errors/search-sync.messages.js';
import type { ReconcileOptions, ReconcileReport } from '../reconcile/reconcile.interface.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { FamilyContext } from './family.context.js';

const reconcilable = (state: string | undefined) => state === 'live' || state === 'serving';

/**
 * Reconciles each live or serving version (or the one asked for) with the source as of its checkpoint.
 * A version still backfilling is refused: its index is not complete yet. Indexes missing or not this
 * state's refuse the whole call before anything is written.
 */
export async function reconcileVersions(
  family: FamilyContext,
  reconciler: Reconciler,
  version?: number,
  options: ReconcileOptions = {},
): Promise<ReconcileReport[]> {
  const { db, name } = family;
  const { sample } = options;
  if (sample !== undefined && !(sample > 0 && sample <= 1))
    throw SearchSyncConfigurationError.family(name, messages.badReconcileSample(sample));
  const stored = await family.versions.list(db, name);
  family.bases.update(stored);
  const states = new Map(stored.map((v) => [v.version, v.state]));
  const checkpoints = await family.checkpoints.read(db, name);
  if (version !== undefined && !reconcilable(states.get(version))) {
    throw LifecycleRefusedError.reconcile(
      name,
      version,
      `it is ${states.get(version) ?? 'not registered yet'}: only live and serving versions can be reconciled.`,
    );
  }
  const chosen = family.targets.filter(
    (t) => (version === undefined || t.version === version) && reconcilable(states.get(t.version)),
  );
  await family.indexes.assertOwned(chosen);
  const reports: ReconcileReport[] = [];
  for (const t of chosen) {
    reports.push(
      await reconciler.reconcile(
        { version: t.version, index: t.index, filtered: t.filter !== undefined },
        checkpoints.get(t.version) ?? null,
        // A sample is a sample of the content comparison.
        { content: options.content || sample !== undefined, sample },
      ),
    );
  }
  return reports;
}
