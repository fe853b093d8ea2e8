// src/books.index.ts
import { Injectable } from '@nestjs/common';
import { IndexVersion, SearchIndex } from 'search-sync';
import { type Book, books } from './books.schema.js';

/** The family's name, which is also its alias in OpenSearch (the project's consumer test sets its own). */
export const BOOKS_FAMILY = process.env.BOOKS_FAMILY ?? 'books';

export interface BookDocument {
  readonly title: string;
  readonly author: string;
  readonly year: number;
}

@SearchIndex<Book>(BOOKS_FAMILY, { source: books, schedule: { every: 1000 } })
@Injectable()
export class BooksIndex {
  @IndexVersion<Book, BookDocument>(1, {
    mappings: {
      properties: { title: { type: 'text' }, author: { type: 'keyword' }, year: { type: 'integer' } },
    },
  })
  v1(book: Book): BookDocument {
    return { title: book.title, author: book.author, year: book.year };
  }
}
