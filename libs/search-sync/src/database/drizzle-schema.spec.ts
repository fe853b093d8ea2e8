import { relations } from 'drizzle-orm';
import { integer, pgSchema, pgTable, text } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { drizzleSchema, relationalQueryName } from './drizzle-schema.js';

const products = pgTable('products', { id: integer('id').primaryKey(), categoryId: integer('category_id') });
const categories = pgTable('categories', { id: integer('id').primaryKey(), name: text('name') });
// A table of the same name in another schema must not be taken for it.
const archivedProducts = pgSchema('archive').table('products', { id: integer('id').primaryKey() });
const productRelations = relations(products, ({ one }) => ({
  category: one(categories, { fields: [products.categoryId], references: [categories.id] }),
}));
const schema = { catalogProducts: products, categories, archivedProducts, productRelations };

describe('drizzle schema', () => {
  it('finds the name db.query knows a table by, by schema and table name', () => {
    expect(relationalQueryName(schema, products)).toBe('catalogProducts');
    expect(relationalQueryName(schema, archivedProducts)).toBe('archivedProducts');
    expect(relationalQueryName({ categories }, products)).toBeUndefined();
  });

  it('reads the schema given to drizzle(), and none when none was given', () => {
    // postgres.js connects lazily: no query is sent, so no server is needed.
    const client = postgres('postgres://127.0.0.1:1/none');
    expect(drizzleSchema(drizzle(client, { schema }))).toBe(schema);
    expect(drizzleSchema(drizzle(client))).toBeUndefined();
  });
});
