import { defineConfig } from 'drizzle-kit';

// The demo catalog and the library's own state tables (the `search-sync/state-schema` entry, by its source
// file here); change capture triggers live in a custom migration (`drizzle-kit generate --custom`) holding
// the output of changeCaptureSql(). drizzle-kit loads the catalog with Node, which resolves `search-sync`
// to the built package: run `npm run build` first.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/catalog/catalog.schema.ts', './libs/search-sync/src/state-schema.ts'],
  out: './drizzle',
  schemaFilter: ['public', 'search_sync'],
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
