// src/books.schema.ts
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { changeCaptureColumns } from 'search-sync';

export const books = pgTable('books', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  author: text('author').notNull(),
  year: integer('year').notNull(),
  // The columns change capture maintains, declared so that drizzle-kit knows them.
  ...changeCaptureColumns(),
});

export type Book = typeof books.$inferSelect;
