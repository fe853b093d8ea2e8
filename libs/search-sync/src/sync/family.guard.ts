import { sql } from 'drizzle-orm';
import type { CapturedSource } from '../capture/captured.source.js';
import { assertChangeCaptureInstalled } from '../capture/change-capture.migration.js';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { SearchSyncError } from '../errors/search-sync.error.js';
import { StateNotInstalledError } from '../errors/state-not-installed.error.js';
import { UnknownVersionError } from '../errors/unknown-version.error.js';
import type { FamilyContext } from './family.context.js';

type Family = Pick<FamilyContext, 'db' | 'name' | 'captured' | 'targets' | 'versions'>;

/**
 * Fails with the migration to apply when what every read of the family needs is missing: the state
 * tables, and the change capture of its table (exact capture). The errors name the fix, so a command run
 * before the migrations says what to run rather than which query failed.
 */
export async function assertFamilyInstalled(
  db: SyncExecutor,
  family: string,
  captured: CapturedSource,
): Promise<void> {
  const [state] = await queryRows<{ ready: boolean }>(
    db,
    sql`select to_regclass(${`"${captured.stateSchema}".versions`}) is not null
      and to_regclass(${`"${captured.stateSchema}".runs`}) is not null as ready`,
  );
  if (!state.ready) throw new StateNotInstalledError(captured.stateSchema);
  if (captured.tombstones)
    await assertChangeCaptureInstalled(db, captured.source, captured.stateSchema, family);
}

/**
 * What a read of the family that failed with `error` tells its reader: the missing migration if that is
 * why (a table or column a migration makes), else `error` itself.
 */
export async function readFailure(
  family: Pick<Family, 'db' | 'name' | 'captured'>,
  error: unknown,
): Promise<unknown> {
  const missing = await assertFamilyInstalled(family.db, family.name, family.captured).then(
    () => null,
    (failure: unknown) => (failure instanceof SearchSyncError ? failure : null),
  );
  return missing ?? error;
}

/**
 * Fails with UnknownVersionError unless the family declares `version` or, unless `declaredOnly`, its
 * state records it (a version no longer declared still has its dead letters, and can be retired);
 * `undefined` means every version.
 */
export async function assertKnownVersion(
  family: Family,
  version: number | undefined,
  declaredOnly = false,
): Promise<void> {
  const declared = family.targets.map((t) => t.version);
  if (version === undefined || declared.includes(version)) return;
  if (declaredOnly) throw new UnknownVersionError(family.name, version, declared);
  const recorded = (await family.versions.list(family.db, family.name)).map((v) => v.version);
  if (recorded.includes(version)) return;
  throw new UnknownVersionError(family.name, version, [...new Set([...declared, ...recorded])]);
}
