import type { Client } from '@opensearch-project/opensearch';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import { IndexNotOwnedError } from '../errors/index-not-owned.error.js';
import { openSearchFailure } from '../errors/opensearch-failure.util.js';
import type { ForeignIndex, IndexOwner, StateIdentity } from '../errors/ownership.types.js';
import type { KeyFieldType } from '../keys/key.field.js';
import { isRetryableRequestError } from './bulk.classify.js';
import { type IndexDefinition, SYNC_FIELD, syncFieldMapping } from './index.manager.js';

/** A version's index as bootstrap and runs need to know it. */
export interface OwnedIndexDefinition extends IndexDefinition {
  readonly version: number;
  readonly definitionHash: string;
}

export type IndexInspection =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly owner: IndexOwner | null;
      /** The whole `_meta` of the index, kept when the owner is rewritten. */
      readonly meta: Record<string, unknown>;
    };

/** The owner a state writes into the indexes of one of its versions. */
export function ownerOf(
  identity: StateIdentity,
  family: string,
  definition: OwnedIndexDefinition,
): IndexOwner {
  return {
    state: identity.id,
    systemIdentifier: identity.systemIdentifier,
    database: identity.database,
    family,
    version: definition.version,
    definitionHash: definition.definitionHash,
  };
}

/** Whether `owner` is this state's, for this family and version (not another family's index of the same state). */
export function ownedBy(
  owner: IndexOwner | null,
  identity: StateIdentity | null,
  family: string,
  version: number,
): boolean {
  return (
    owner !== null &&
    identity !== null &&
    owner.state === identity.id &&
    owner.family === family &&
    owner.version === version
  );
}

function parseOwner(value: unknown): IndexOwner | null {
  const owner = value as Partial<IndexOwner> | undefined;
  return typeof owner?.state === 'string' &&
    typeof owner.family === 'string' &&
    typeof owner.version === 'number'
    ? (owner as IndexOwner)
    : null;
}

/**
 * Whether the index exists, and its owner. A name that is an alias of other indexes exists and has no
 * owner: writing through it would write into an index this state never made.
 */
export async function inspectIndex(client: Client, index: string): Promise<IndexInspection> {
  const response = await client.indices.getMapping({ index }, { ignore: [404] });
  if (response.statusCode === 404) return { exists: false };
  const body = response.body as Record<string, { mappings?: { _meta?: Record<string, unknown> } }>;
  const meta = body[index]?.mappings?._meta ?? {};
  return { exists: true, owner: body[index] ? parseOwner(meta[SYNC_FIELD]) : null, meta };
}

/**
 * Which indexes of these definitions are missing, and which exist but are not this state's. It is the
 * first request of a run: a cluster that does not answer fails it as the loader would, with
 * ClusterUnavailableError, before anything is written.
 */
export async function checkIndexes<T extends { readonly version: number; readonly index: string }>(
  client: Client,
  family: string,
  definitions: readonly T[],
  identity: StateIdentity | null,
): Promise<{ missing: T[]; foreign: ForeignIndex[] }> {
  let inspections: IndexInspection[];
  try {
    inspections = await Promise.all(definitions.map((d) => inspectIndex(client, d.index)));
  } catch (error) {
    // No answer at all, or a refused client: the error names the node and what to check.
    const failure = openSearchFailure(error);
    if (failure !== error || !isRetryableRequestError(error)) throw failure;
    throw new ClusterUnavailableError(`${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const missing: T[] = [];
  const foreign: ForeignIndex[] = [];
  definitions.forEach((d, i) => {
    const inspection = inspections[i];
    if (!inspection.exists) missing.push(d);
    else if (!ownedBy(inspection.owner, identity, family, d.version)) {
      foreign.push({ version: d.version, index: d.index, owner: inspection.owner, otherDefinition: false });
    }
  });
  return { missing, foreign };
}

/** Whether an index listed for adoption was built from the same definition (unknown without an owner: allowed). */
export const adoptable = (owner: IndexOwner | null, definition: OwnedIndexDefinition) =>
  !owner?.definitionHash || owner.definitionHash === definition.definitionHash;

/** The highest external version any document of the index holds (0 when empty): read by scrolling. */
async function highestDocumentVersion(client: Client, index: string): Promise<number> {
  let highest = 0;
  let response = await client.search({
    index,
    scroll: '1m',
    body: { size: 5000, _source: false, version: true, sort: ['_doc'] },
  });
  try {
    for (;;) {
      const hits = response.body.hits.hits as { _version?: number }[];
      if (hits.length === 0) return highest;
      for (const hit of hits) highest = Math.max(highest, hit._version ?? 0);
      response = await client.scroll({ scroll_id: response.body._scroll_id!, scroll: '1m' });
    }
  } finally {
    if (response.body._scroll_id)
      await client.clearScroll({ scroll_id: response.body._scroll_id }).catch(() => {});
  }
}

/**
 * Makes an existing index this state's: its `_meta` names the new owner (other keys kept) and it gets the
 * library's own field. Returns the version base its writes need: the highest version a document of the
 * index holds, so that every write of this state (base + row version) passes the previous owner's.
 */
export async function adoptIndex(
  client: Client,
  index: string,
  owner: IndexOwner,
  keyField: KeyFieldType,
  meta: Record<string, unknown>,
): Promise<number> {
  await client.indices.putMapping({
    index,
    body: { _meta: { ...meta, [SYNC_FIELD]: owner }, properties: syncFieldMapping(keyField) },
  });
  await client.indices.refresh({ index });
  return highestDocumentVersion(client, index);
}

/** Puts back the `_meta` an index had before a bootstrap that failed adopted it. */
export async function restoreMeta(client: Client, index: string, meta: Record<string, unknown>) {
  await client.indices.putMapping({ index, body: { _meta: meta } });
}

/** What bootstrap does with a version's index: create it, keep it (this state's), or adopt it. */
export type IndexClaim =
  | { readonly kind: 'create' | 'own' }
  | { readonly kind: 'adopt'; readonly owner: IndexOwner | null; readonly meta: Record<string, unknown> };

/**
 * How bootstrap may claim each version's index: missing ones are created, this state's kept, and others
 * adopted when `adopt` lists them (and they were built from the same definition). Any other is refused,
 * all of them in one IndexNotOwnedError, before anything is written.
 */
export async function claimIndexes<T extends OwnedIndexDefinition>(
  client: Client,
  family: string,
  definitions: readonly T[],
  identity: StateIdentity,
  adopt: readonly string[],
): Promise<Map<T, IndexClaim>> {
  const claims = new Map<T, IndexClaim>();
  const refused: ForeignIndex[] = [];
  for (const definition of definitions) {
    const inspection = await inspectIndex(client, definition.index);
    const { version, index } = definition;
    if (!inspection.exists) claims.set(definition, { kind: 'create' });
    else if (ownedBy(inspection.owner, identity, family, version)) claims.set(definition, { kind: 'own' });
    else if (adopt.includes(index) && adoptable(inspection.owner, definition)) {
      claims.set(definition, { kind: 'adopt', owner: inspection.owner, meta: inspection.meta });
    } else {
      const otherDefinition = adopt.includes(index);
      refused.push({ version, index, owner: inspection.owner, otherDefinition });
    }
  }
  if (refused.length > 0) throw new IndexNotOwnedError(family, refused, identity);
  return claims;
}
