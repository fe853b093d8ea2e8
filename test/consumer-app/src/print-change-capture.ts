// Prints the SQL that installs change capture on the books table, for the custom migration:
//   npx drizzle-kit generate --custom --name books_change_capture
//   node dist/print-change-capture.js >> drizzle/0001_books_change_capture.sql
import { changeCaptureSql, describeSource } from 'search-sync';
import { books } from './books.schema.js';

process.stdout.write(`\n${changeCaptureSql(describeSource('books', books))}\n`);
