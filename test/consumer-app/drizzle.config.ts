// drizzle.config.ts
import { defineConfig } from 'drizzle-kit';

// The application's tables and search-sync's own (search-sync.schema.ts re-exports them), so drizzle-kit
// generates one migration history for both. Change capture is a custom migration on top.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/books.schema.ts', './src/search-sync.schema.ts'],
  out: './drizzle',
  schemaFilter: ['public', 'search_sync'],
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
