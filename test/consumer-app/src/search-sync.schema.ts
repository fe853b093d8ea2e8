// src/search-sync.schema.ts
// search-sync's own tables (schema `search_sync`), listed in drizzle.config.ts.
export * from 'search-sync/state-schema';
