import type { Client, Types } from '@opensearch-project/opensearch';
import type { IndexOwner } from '../errors/ownership.types.js';
import type { KeyFieldType } from '../keys/key.field.js';

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

/**
 * Settings a backfilling index starts with: no replicas, and a refresh a second; the declared ones come
 * back when it is live. A second, not the usual bulk-load `-1`: with no refresh at all, every segment of
 * the backfill is built by the one refresh before the index goes live, which then takes most of a second
 * on 50,000 documents and holds the run's end; refreshing as it fills costs the load a few percent and
 * took 12 % off a whole two-version backfill (BENCHMARKS.md, "Going live").
 */
const BACKFILL_SETTINGS = { refresh_interval: '1s', number_of_replicas: 0 };

/** The mapping of the library's own field. */
export const syncFieldMapping = (keyField: KeyFieldType): Record<string, Types.Common_Mapping.Property> => ({
  [SYNC_FIELD]: { properties: { version: { type: 'long' }, key: { type: keyField } } },
});

/** The declared mappings with the library's own field, and its owner in `_meta` beside the declared keys. */
function withSyncMapping(
  mappings: Record<string, unknown> = {},
  keyField: KeyFieldType,
  owner: IndexOwner,
): Record<string, unknown> {
  const properties = (mappings.properties as Record<string, unknown> | undefined) ?? {};
  const source = (mappings._source as { excludes?: string[] } | undefined) ?? {};
  const meta = (mappings._meta as Record<string, unknown> | undefined) ?? {};
  return {
    ...mappings,
    _meta: { ...meta, [SYNC_FIELD]: owner },
    _source: { ...source, excludes: [...(source.excludes ?? []), SYNC_FIELD] },
    properties: { ...properties, ...syncFieldMapping(keyField) },
  };
}

/**
 * Creates a version's index, owned by `owner`, unless it exists (the caller then checks whose it is);
 * `backfill` starts it with the backfill settings. Returns whether it created the index.
 */
export async function ensureIndex(
  client: Client,
  definition: IndexDefinition,
  keyField: KeyFieldType,
  owner: IndexOwner,
  backfill = false,
): Promise<boolean> {
  const exists = await client.indices.exists({ index: definition.index });
  if (exists.body) return false;
  const settings = { ...(definition.settings ?? {}), ...(backfill ? BACKFILL_SETTINGS : {}) };
  try {
    await client.indices.create({
      index: definition.index,
      body: { mappings: withSyncMapping(definition.mappings, keyField, owner), settings },
    });
    return true;
  } catch (error) {
    const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type === 'resource_already_exists_exception') return false;
    throw error;
  }
}

/** Puts back the declared refresh interval and replicas of an index that was backfilled (null means the default). */
export async function restoreDeclaredSettings(client: Client, definition: IndexDefinition): Promise<void> {
  const declared = (definition.settings ?? {}) as Record<string, unknown>;
  const index = (declared.index as Record<string, unknown> | undefined) ?? {};
  const pick = (name: string) => declared[name] ?? index[name] ?? null;
  // Null puts a setting back to its default; the client's types know only values, so the body is untyped.
  const body: Record<string, unknown> = {
    index: { refresh_interval: pick('refresh_interval'), number_of_replicas: pick('number_of_replicas') },
  };
  await client.indices.putSettings({ index: definition.index, body });
  await client.indices.refresh({ index: definition.index });
}
