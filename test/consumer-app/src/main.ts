import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { SearchSyncService } from 'search-sync';
import { AppModule } from './app.module.js';
import { BOOKS_FAMILY } from './books.index.js';

// `node dist/main.js sync`: one run of the books family, its status printed as JSON, then exit.
// `node dist/main.js`: runs the family on its schedule until SIGTERM.
const connection = postgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', {
  onnotice: () => {},
});
const app = await NestFactory.createApplicationContext(AppModule.forRoot(drizzle(connection)), {
  logger: ['error', 'warn'],
});
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
  // Stops the schedules and lets a run in flight finish, then the connection closes and the process ends.
  process.once('SIGTERM', () => void close());
  console.log(`syncing ${BOOKS_FAMILY} on its schedule`);
}
