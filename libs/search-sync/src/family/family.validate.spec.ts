import { pgTable, serial } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { FamilyDefinition } from './family.definition.js';
import { validateFamily } from './family.validate.js';

const items = pgTable('items', { id: serial('id').primaryKey() });
const definition = (extra: Partial<FamilyDefinition> = {}): FamilyDefinition => ({
  name: 'items',
  table: items,
  versions: [{ version: 1, transform: (row: unknown) => ({ row }) }],
  ...extra,
});

describe('validateFamily', () => {
  it('takes each refresh mode, and none', () => {
    for (const refresh of [undefined, 'interval', 'after-run'] as const)
      expect(() => validateFamily(definition({ refresh }))).not.toThrow();
  });

  it('refuses an unknown refresh mode, naming the family and the modes there are', () => {
    const refresh = 'always' as FamilyDefinition['refresh'];
    expect(() => validateFamily(definition({ refresh }))).toThrow(SearchSyncConfigurationError);
    expect(() => validateFamily(definition({ refresh }))).toThrow(
      /Family "items".*refresh "always" is not one of 'interval', 'after-run'/,
    );
  });
});
