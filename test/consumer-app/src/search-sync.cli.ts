// What the search-sync command line boots: the application's module with a database handle of its own.
//   npx search-sync capture-migration books --module dist/search-sync.cli.js
//   npx search-sync status --module dist/search-sync.cli.js
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { AppModule } from './app.module.js';

export default () =>
  AppModule.forRoot(
    drizzle(
      postgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', {
        onnotice: () => {},
      }),
    ),
  );
