import type { Client } from '@opensearch-project/opensearch';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import type { KeyFieldType } from '../keys/key.field.js';
import { isRetryableRequestError } from './bulk.classify.js';

/**
 * The library's own object field in every document: the row version and the key (see `keys/key.field.ts`).
 * Kept out of `_source` (documents read back exactly as the transform made them) but indexed with doc
 * values, so parity checks and reconcile compare key ranges by aggregation instead of reading documents.
 */
export const SYNC_FIELD = 'search_sync';

export interface IndexDefinition {
  readonly index: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
}

/** Settings a backfilling index starts with: no refreshes, no replicas; the declared ones come back when it is live. */
const BACKFILL_SETTINGS = { refresh_interval: '-1', number_of_replicas: 0 };

function withSyncMapping(
  mappings: Record<string, unknown> = {},
  keyField: KeyFieldType,
): Record<string, unknown> {
  const properties = (mappings.properties as Record<string, unknown> | undefined) ?? {};
  const source = (mappings._source as { excludes?: string[] } | undefined) ?? {};
  return {
    ...mappings,
    _source: { ...source, excludes: [...(source.excludes ?? []), SYNC_FIELD] },
    properties: {
      ...properties,
      [SYNC_FIELD]: { properties: { version: { type: 'long' }, key: { type: keyField } } },
    },
  };
}

/**
 * Creates a version's index unless it exists (concurrent creators are fine); `backfill` starts it with
 * the backfill settings. Returns whether it created the index.
 */
export async function ensureIndex(
  client: Client,
  definition: IndexDefinition,
  keyField: KeyFieldType,
  backfill = false,
): Promise<boolean> {
  const exists = await client.indices.exists({ index: definition.index });
  if (exists.body) return false;
  const settings = { ...(definition.settings ?? {}), ...(backfill ? BACKFILL_SETTINGS : {}) };
  try {
    await client.indices.create({
      index: definition.index,
      body: { mappings: withSyncMapping(definition.mappings, keyField), settings } as never,
    });
    return true;
  } catch (error) {
    const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type === 'resource_already_exists_exception') return false;
    throw error;
  }
}

/**
 * The definitions whose index does not exist. It is the first request of a run: a cluster that does not
 * answer fails it as the loader would, with ClusterUnavailableError, before anything is written.
 */
export async function missingIndexes<T extends IndexDefinition>(
  client: Client,
  definitions: readonly T[],
): Promise<T[]> {
  try {
    const exists = await Promise.all(definitions.map((d) => client.indices.exists({ index: d.index })));
    return definitions.filter((_, i) => !exists[i].body);
  } catch (error) {
    if (!isRetryableRequestError(error)) throw error;
    throw new ClusterUnavailableError(`${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Puts back the declared refresh interval and replicas of an index that was backfilled (null means the default). */
export async function restoreDeclaredSettings(client: Client, definition: IndexDefinition): Promise<void> {
  const declared = (definition.settings ?? {}) as Record<string, unknown>;
  const index = (declared.index as Record<string, unknown> | undefined) ?? {};
  const pick = (name: string) => declared[name] ?? index[name] ?? null;
  await client.indices.putSettings({
    index: definition.index,
    body: {
      index: { refresh_interval: pick('refresh_interval'), number_of_replicas: pick('number_of_replicas') },
    } as never,
  });
  await client.indices.refresh({ index: definition.index });
}
