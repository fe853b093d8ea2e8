import { defineConfig } from 'drizzle-kit';

// The demo catalog and the library's own state tables; change capture triggers live in a custom
// migration (`drizzle-kit generate --custom`) holding the output of changeCaptureSql().
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/catalog/catalog.schema.ts', './libs/search-sync/src/state/state.schema.ts'],
  out: './drizzle',
  schemaFilter: ['public', 'search_sync'],
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
