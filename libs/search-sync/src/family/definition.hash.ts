import { createHash } from 'node:crypto';
import type { VersionDefinition } from './family.definition.js';
import { normalisedSource } from './source-text.normalise.js';

/**
 * Objects with their keys sorted, so the hash does not depend on the order keys were written in; values
 * with a `toJSON` (dates) as JSON gives them, so a document hashes as the index stores it.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return canonical((value as { toJSON(): unknown }).toJSON());
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * A document's hash, the same for the document a transform made and for its `_source` read back. One
 * JSON cannot hold (a bigint) hashes as that error: the loader makes it a dead letter, never a document.
 */
export function documentHash(document: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(canonical(document));
  } catch (error) {
    return `unserialisable:${(error as Error).message}`;
  }
  return createHash('sha256').update(text).digest('hex');
}

function hashDefinition<T>(version: VersionDefinition<T>, text: (source: string) => string): string {
  const definition = {
    mappings: canonical(version.mappings ?? {}),
    settings: canonical(version.settings ?? {}),
    filter: version.filter ? text(version.filter.toString()) : null,
    transform: text(version.transformSource ?? version.transform.toString()),
  };
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

/**
 * The hash of what fixes a version's documents: mappings, settings, filter and transform source, the
 * sources as tokens (a formatter or a deeper nesting changes no behaviour). A version whose hash changed
 * under the same number would hold documents of two shapes.
 */
export function versionDefinitionHash<T>(version: VersionDefinition<T>): string {
  return hashDefinition(version, normalisedSource);
}

/**
 * The hash library versions before 0.3 stored, of the sources as written (indentation included): a
 * version stored with it is the same version, and bootstrap stores the current hash in its place.
 */
export function formerDefinitionHash<T>(version: VersionDefinition<T>): string {
  return hashDefinition(version, (source) => source);
}
