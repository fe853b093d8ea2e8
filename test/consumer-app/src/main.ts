// src/main.ts
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SearchSyncService } from 'search-sync';
import { AppModule } from './app.module.js';
import { BOOKS_FAMILY } from './books.index.js';
import { openDatabase } from './database.js';

// `npm run sync`: one run of the books family, its status printed as JSON, then exit.
// `npm start`: runs the family every second and whenever a write to books commits, until SIGTERM.
const { connection, db } = openDatabase();
const app = await NestFactory.createApplicationContext(AppModule.forRoot(db), { logger: ['error', 'warn'] });
const close = async () => {
  await app.close();
  await connection.end({ timeout: 5 });
};

if (process.argv[2] === 'sync') {
  try {
    const service = app.get(SearchSyncService);
    const result = await service.sync(BOOKS_FAMILY);
    const [status] = await service.status(BOOKS_FAMILY);
    console.log(JSON.stringify({ result, versions: status.versions }));
  } finally {
    await close();
  }
} else {
  // Stops the schedules and lets a run in flight finish; then the connection closes and the process ends.
  process.once('SIGTERM', () => void close());
  console.log(`syncing ${BOOKS_FAMILY} on its schedule`);
}
