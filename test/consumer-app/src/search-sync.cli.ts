// src/search-sync.cli.ts
// What the search-sync command line boots (`--module dist/search-sync.cli.js`): the application's module
// with a database of its own.
import { AppModule } from './app.module.js';
import { openDatabase } from './database.js';

export default () => AppModule.forRoot(openDatabase().db);
