import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildConsumerApp,
  CLI,
  type ConsumerApp,
  filesUnder,
  type PackageJson,
  prepareConsumerApp,
  run,
} from './consumer-app.build.js';
import { type ConsumerDriver, otherDriverPackages } from './consumer-app.driver.js';
import { eventually } from './eventually.js';
import { importSpecifiers, packageOf } from './readme-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, readAll, uniqueName } from './test-opensearch.js';

const BOOKS = 500;

/** The README's `npm install` of the application, done one way or another: its package.json then has them. */
export type ConsumerInstall = (consumer: ConsumerApp) => Promise<void>;

/**
 * The package as a user gets it: `npm pack` of libs/search-sync, installed by `install` with its peers
 * into a fresh Nest application outside the repository (the README's minimal application, test/consumer-app,
 * written to a temporary directory, on `driver`), whose migrations drizzle-kit generates and applies,
 * compiled with tsc and run with node: synced once, then on its schedule while rows change.
 */
export function describeConsumerApp(title: string, driver: ConsumerDriver, install: ConsumerInstall): void {
  describe(`${title} on ${driver.name}`, () => {
    let consumer: ConsumerApp;
    let database: TestDatabase;
    let client: Client;
    /** The application's package.json once the README's install commands have run. */
    let manifest: PackageJson;
    const family = uniqueName('consumer_books');
    const children: ChildProcess[] = [];
    const inApp = (command: string, args: string[]) => run(command, args, consumer.app, consumer.env);

    beforeAll(async () => {
      client = createClient();
      database = await createTestDatabase({ migrate: false });
      consumer = await prepareConsumerApp(driver, {
        DATABASE_URL: database.url,
        OPENSEARCH_URL,
        BOOKS_FAMILY: family,
      });
      await install(consumer);
      manifest = JSON.parse(await readFile(join(consumer.app, 'package.json'), 'utf8')) as PackageJson;
      await buildConsumerApp(consumer, family);
      await database.client`insert into books (title, author, year)
        select 'Book ' || g, 'Author ' || (g % 7), 1900 + g % 120 from generate_series(1, ${BOOKS}::int) g`;
    }, 300_000);

    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await deleteIndexes(client, `${family}_*`);
      await client.close();
      await database?.drop();
      if (consumer) await rm(consumer.work, { recursive: true, force: true });
    });

    /** Each book's document as version 1 makes it, by document id. */
    async function expectedDocuments() {
      const rows = await database.client`select id, title, author, year from books`;
      return new Map(rows.map((r) => [String(r.id), { title: r.title, author: r.author, year: r.year }]));
    }

    it('installs with the peers it declares and imports no package it does not declare', async () => {
      // npm ls fails on a missing, invalid or unmet peer dependency.
      await inApp('npm', ['ls', '--all']);
      // The application runs on its driver alone: the other one is not installed.
      expect(existsSync(join(consumer.app, 'node_modules', driver.package))).toBe(true);
      for (const other of otherDriverPackages(driver))
        expect(existsSync(join(consumer.app, 'node_modules', other))).toBe(false);
      const { library } = consumer;
      const installed = join(consumer.app, 'node_modules', library.name);
      const declared = new Set([
        library.name, // its own entries, as its comments show them
        ...Object.keys(library.dependencies ?? {}),
        ...Object.keys(library.peerDependencies ?? {}),
      ]);
      const files = (await filesUnder(join(installed, 'dist'))).filter((f) => /\.(js|d\.ts)$/.test(f));
      expect(files.length).toBeGreaterThan(0);
      const undeclared = new Set<string>();
      for (const file of files) {
        for (const name of importSpecifiers(await readFile(file, 'utf8')).flatMap((s) => packageOf(s) ?? []))
          if (!declared.has(name)) undeclared.add(name);
      }
      expect([...undeclared]).toEqual([]);
      // Only the built output ships: no sources, specs or test helpers.
      expect(files.filter((f) => /\.spec\.|test-database/.test(f))).toEqual([]);
    });

    it('generates the state tables and change capture with drizzle-kit, and applies them', async () => {
      const generated = await readFile(join(consumer.app, 'drizzle/0000_init.sql'), 'utf8');
      expect(generated).toContain('CREATE TABLE "search_sync"."checkpoints"');
      expect(generated).toContain('CREATE TABLE "books"');
      const tables = await database.client`select table_schema || '.' || table_name as name
        from information_schema.tables where table_schema in ('public', 'search_sync') order by 1`;
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          'public.books',
          'search_sync.books_tombstones',
          'search_sync.checkpoints',
          'search_sync.dead_letters',
          'search_sync.leases',
          'search_sync.runs',
          'search_sync.versions',
        ]),
      );
      const triggers = await database.client`select tgname from pg_trigger
        where tgrelid = 'public.books'::regclass and not tgisinternal order by 1`;
      expect(triggers.length).toBeGreaterThanOrEqual(2);
    });

    it('boots, syncs the family declared with the decorators, and its documents are in OpenSearch', async () => {
      const output = await inApp('npm', ['run', 'sync']);
      const { result, versions } = JSON.parse(output.trim().split('\n').at(-1)!);
      expect(result.outcome).toBe('completed');
      expect(versions).toMatchObject([{ version: 1, state: 'serving', documents: BOOKS, deadLetters: 0 }]);
      expect(await readAll(client, family)).toEqual(await expectedDocuments());
    });

    it("runs the package's command line as npx search-sync, against the application's module", async () => {
      const [status] = JSON.parse(await inApp('npx', ['search-sync', 'status', family, '--json', ...CLI]));
      expect(status.versions).toMatchObject([{ version: 1, state: 'serving', documents: BOOKS }]);
      const table = await inApp('npx', ['search-sync', 'status', family, ...CLI]);
      expect(table).toMatch(new RegExp(`1\\s+${family}_v1\\s+serving`));
    });

    it('runs the family on its schedule: inserts, updates and hard deletes reach OpenSearch, a row inserted while it runs is searchable; stops on SIGTERM', async () => {
      await database.client`update books set title = 'Changed ' || id where id % 10 = 0`;
      await database.client`delete from books where id % 10 = 1`;
      await database.client`insert into books (title, author, year) values ('Added', 'Author A', 2024)`;
      // `npm start`'s command itself, so that the signal reaches the application rather than npm.
      const [command, ...args] = manifest.scripts!.start.split(' ');
      const child = spawn(command, args, {
        cwd: consumer.app,
        env: consumer.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let printed = '';
      child.stdout.on('data', (chunk) => (printed += chunk));
      child.stderr.on('data', (chunk) => (printed += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      const expected = await expectedDocuments();
      expect(expected.size).toBe(BOOKS - BOOKS / 10 + 1);
      await eventually(async () => expect(await readAll(client, family)).toEqual(expected));

      // A row inserted while the application runs is found by a search through the family's alias.
      const [{ id }] = await database.client`insert into books (title, author, year)
        values ('Inserted while running', 'Author B', 2025) returning id`;
      await eventually(async () => {
        await client.indices.refresh({ index: family });
        const { body } = await client.search({
          index: family,
          body: { query: { match: { title: 'inserted running' } } },
        });
        expect(body.hits.hits.map((hit) => hit._id)).toEqual([String(id)]);
      });
      child.kill('SIGTERM');
      expect({ code: await exited, printed }).toEqual({
        code: 0,
        printed: `syncing ${family} on its schedule\n`,
      });
    });
  });
}
