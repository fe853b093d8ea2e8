// src/database.ts
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './books.schema.js';

/**
 * The application's database: a postgres.js client and Drizzle over it. Drizzle is given the schema,
 * where search-sync finds the relations a family embeds (`with`).
 */
export function openDatabase() {
  const connection = postgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  return { connection, db: drizzle(connection, { schema }) };
}
