import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { assertIndexName, assertSqlIdentifier } from '../utils/identifier.util.js';
import type { FamilyDefinition, FamilyRefresh } from './family.definition.js';

const REFRESH_MODES: readonly FamilyRefresh[] = ['interval', 'after-run'];

export const versionIndexName = (family: string, version: number) => `${family}_v${version}`;

/** Rejects a refresh mode that is not one, naming the family it would apply to. */
export function assertRefresh(family: string, refresh: FamilyRefresh | undefined): void {
  if (refresh === undefined || REFRESH_MODES.includes(refresh)) return;
  throw SearchSyncConfigurationError.family(
    family,
    `refresh "${String(refresh)}" is not one of ${REFRESH_MODES.map((m) => `'${m}'`).join(', ')}.`,
  );
}

/** Rejects definitions that cannot run, naming the family and version, before anything touches a database. */
export function validateFamily(definition: FamilyDefinition): void {
  const { name } = definition;
  try {
    assertSqlIdentifier(name, 'Family name');
    assertIndexName(name, 'Family alias');
  } catch (error) {
    throw SearchSyncConfigurationError.family(name, (error as Error).message);
  }
  assertRefresh(name, definition.refresh);
  if (definition.versions.length === 0)
    throw SearchSyncConfigurationError.family(name, 'declare at least one version.');
  const seen = new Set<number>();
  const indexes = new Set<string>();
  for (const version of definition.versions) {
    if (!Number.isInteger(version.version) || version.version < 1) {
      throw SearchSyncConfigurationError.family(
        name,
        `version ${version.version} must be a positive integer.`,
      );
    }
    if (seen.has(version.version)) {
      throw SearchSyncConfigurationError.version(
        name,
        version.version,
        'the version number is declared twice.',
      );
    }
    seen.add(version.version);
    const index = version.index ?? versionIndexName(name, version.version);
    try {
      assertIndexName(index, 'Index name');
    } catch (error) {
      throw SearchSyncConfigurationError.version(name, version.version, (error as Error).message);
    }
    if (index === name) {
      throw SearchSyncConfigurationError.version(
        name,
        version.version,
        `index "${index}" would collide with the family alias.`,
      );
    }
    if (indexes.has(index))
      throw SearchSyncConfigurationError.version(name, version.version, `index "${index}" is used twice.`);
    indexes.add(index);
    if (typeof version.transform !== 'function') {
      throw SearchSyncConfigurationError.version(name, version.version, 'the transform is not a function.');
    }
  }
}
