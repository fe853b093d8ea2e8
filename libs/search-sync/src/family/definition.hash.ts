import { createHash } from 'node:crypto';
import type { VersionDefinition } from './family.definition.js';

/** Objects with their keys sorted, so the hash does not depend on the order keys were written in. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
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
 * The hash of what fixes a version's documents: mappings, settings, filter and transform source. A
 * version whose hash changed under the same number would hold documents of two shapes.
 */
export function versionDefinitionHash(version: VersionDefinition<unknown>): string {
  const definition = {
    mappings: canonical(version.mappings ?? {}),
    settings: canonical(version.settings ?? {}),
    filter: version.filter?.toString() ?? null,
    transform: version.transformSource ?? version.transform.toString(),
  };
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}
