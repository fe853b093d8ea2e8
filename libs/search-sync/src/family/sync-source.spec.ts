import { integer, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { describeSource } from './sync-source.js';

const tenantItems = pgTable(
  'tenant_items',
  { tenantId: text('tenant_id').notNull(), id: integer('id').notNull(), title: text('title') },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

describe('describeSource', () => {
  it("takes a composite primary key declared with Drizzle's primaryKey({ columns }) by default", () => {
    const source = describeSource('tenants', tenantItems);
    expect(source.keys.map((k) => [k.name, k.property, k.kind])).toEqual([
      ['tenant_id', 'tenantId', 'text'],
      ['id', 'id', 'number'],
    ]);
    expect(source.keys[0].column).toBe(tenantItems.tenantId);
  });

  it('refuses key columns of another table, naming the column and the table', () => {
    const other = pgTable('other', { id: serial('id').primaryKey() });
    expect(() => describeSource('tenants', tenantItems, [other.id])).toThrow(SearchSyncConfigurationError);
    expect(() => describeSource('tenants', tenantItems, [other.id])).toThrow(
      'key column "id" is not a column of table "tenant_items"',
    );
  });
});
