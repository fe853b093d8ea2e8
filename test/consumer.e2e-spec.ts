import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import {
  consumerAppFiles,
  importSpecifiers,
  installedPackages,
  packageOf,
  README,
  readmeApplication,
} from './support/readme-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import {
  createClient,
  deleteIndexes,
  OPENSEARCH_URL,
  readAll,
  uniqueName,
} from './support/test-opensearch.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The application's database driver: the README's (postgres.js), or node-postgres with its own
 * src/database.ts in place of the README's and pg installed instead of postgres. Each application has
 * its own driver only.
 */
const DRIVERS = [
  { name: 'postgres.js', package: 'postgres', devDependencies: [] as string[], databaseFile: undefined },
  {
    name: 'node-postgres',
    package: 'pg',
    devDependencies: ['@types/pg'],
    databaseFile: join(ROOT, 'test/fixtures/consumer-node-postgres/database.ts'),
  },
];
const DRIVER_PACKAGES = DRIVERS.map((d) => d.package);
const BOOKS = 500;
/** How the application's command line finds its module (test/consumer-app/src/search-sync.cli.ts). */
const CLI = ['--module', 'dist/search-sync.cli.js'];

interface PackageJson {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Runs a command to its end; a failure carries what the command printed. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

interface Lockfile {
  packages: Record<string, { version?: string; link?: boolean }>;
}

async function rootLockfile(): Promise<Lockfile> {
  return JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
}

/** The versions the repository's lockfile installed, so the application gets exactly what CI tests. */
function lockedVersions(lock: Lockfile, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => {
      const version = lock.packages[`node_modules/${name}`]?.version;
      if (!version) throw new Error(`${name} is not in the root package-lock.json`);
      return [name, version];
    }),
  );
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * The package as a user gets it: `npm pack` of libs/search-sync, installed with its peers into a fresh
 * Nest application outside the repository (test/consumer-app copied to a temporary directory), whose
 * migrations drizzle-kit generates and applies, compiled with tsc and run with node.
 */
describe.each(DRIVERS)('the packed library in a fresh application on $name', (driver) => {
  const otherDrivers = DRIVER_PACKAGES.filter((name) => name !== driver.package);
  let work: string;
  let app: string;
  let database: TestDatabase;
  let client: Client;
  let env: NodeJS.ProcessEnv;
  let packed: PackageJson;
  /** The application's package.json once the README's install commands have run. */
  let manifest: PackageJson;
  const family = uniqueName('consumer_books');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'search-sync-consumer-'));
    app = join(work, 'app');
    client = createClient();
    database = await createTestDatabase({ migrate: false });
    // The application's processes see neither this npm run's settings nor the repository.
    env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    Object.assign(env, { DATABASE_URL: database.url, OPENSEARCH_URL, BOOKS_FAMILY: family });

    // `npm pack` builds the package (prepack) and leaves the tarball a registry would serve.
    await run('npm', ['pack', '--workspace', 'search-sync', '--pack-destination', work], ROOT, env);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);

    // The application's files as the README shows them (test/readme-app.spec.ts keeps the two the same).
    for (const [path, content] of await consumerAppFiles()) {
      await mkdir(dirname(join(app, path)), { recursive: true });
      await writeFile(join(app, path), content);
    }
    if (driver.databaseFile)
      await writeFile(join(app, 'src/database.ts'), await readFile(driver.databaseFile));
    packed = JSON.parse(await readFile(join(ROOT, 'libs/search-sync/package.json'), 'utf8')) as PackageJson;
    // What the README's `npm install` commands add to package.json: the packages they name, at the versions
    // the repository's lockfile installed (CI's), and the packed tarball for the library itself.
    const installed = installedPackages(readmeApplication(await readFile(README, 'utf8')));
    const lock = await rootLockfile();
    const template = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as PackageJson;
    manifest = {
      ...template,
      dependencies: {
        [packed.name]: `file:../${tarball}`,
        ...lockedVersions(lock, [
          ...installed.dependencies.filter((name) => name !== packed.name && !DRIVER_PACKAGES.includes(name)),
          driver.package,
        ]),
      },
      devDependencies: lockedVersions(lock, [...installed.devDependencies, ...driver.devDependencies]),
    };
    await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // A lockfile seeded with the repository's installed packages: npm keeps what the application needs at
    // those exact versions (transitive ones too) and takes them from the cache the repository's own
    // `npm ci` filled, so the install is deterministic and needs the registry only if the cache lacks them.
    // Not the other driver: npm would resolve it as an optional peer of drizzle-orm the application lacks.
    const seeded = Object.fromEntries(
      Object.entries(lock.packages).filter(
        ([path, entry]) =>
          path.startsWith('node_modules/') && !entry.link && !otherDrivers.includes(path.slice(13)),
      ),
    );
    await writeFile(
      join(app, 'package-lock.json'),
      JSON.stringify({
        name: manifest.name,
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': {
            name: manifest.name,
            dependencies: manifest.dependencies,
            devDependencies: manifest.devDependencies,
          },
          ...seeded,
        },
      }),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app, env);
    await run('npm', ['run', 'build'], app, env);
    await run('npx', ['drizzle-kit', 'generate', '--name', 'init'], app, env);
    // The package's command line lets drizzle-kit make a custom migration and writes the capture SQL into it.
    await run(
      'npx',
      ['search-sync', 'capture-migration', family, '--name', 'books_change_capture', ...CLI],
      app,
      env,
    );
    await run('npx', ['drizzle-kit', 'migrate'], app, env);
    await database.client`insert into books (title, author, year)
      select 'Book ' || g, 'Author ' || (g % 7), 1900 + g % 120 from generate_series(1, ${BOOKS}::int) g`;
  }, 300_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Each book's document as version 1 makes it, by document id. */
  async function expectedDocuments() {
    const rows = await database.client`select id, title, author, year from books`;
    return new Map(rows.map((r) => [String(r.id), { title: r.title, author: r.author, year: r.year }]));
  }

  it('installs with the peers it declares and imports no package it does not declare', async () => {
    // npm ls fails on a missing, invalid or unmet peer dependency.
    await run('npm', ['ls', '--all'], app, env);
    // The application runs on its driver alone: the other one is not installed.
    for (const other of otherDrivers) expect(existsSync(join(app, 'node_modules', other))).toBe(false);
    const installed = join(app, 'node_modules', packed.name);
    const declared = new Set([
      packed.name, // its own entries, as its comments show them
      ...Object.keys(packed.dependencies ?? {}),
      ...Object.keys(packed.peerDependencies ?? {}),
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
    const generated = await readFile(join(app, 'drizzle/0000_init.sql'), 'utf8');
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
    const output = await run('npm', ['run', 'sync'], app, env);
    const { result, versions } = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(result.outcome).toBe('completed');
    expect(versions).toMatchObject([{ version: 1, state: 'serving', documents: BOOKS, deadLetters: 0 }]);
    expect(await readAll(client, family)).toEqual(await expectedDocuments());
  });

  it("runs the package's command line as npx search-sync, against the application's module", async () => {
    const [status] = JSON.parse(
      await run('npx', ['search-sync', 'status', family, '--json', ...CLI], app, env),
    );
    expect(status.versions).toMatchObject([{ version: 1, state: 'serving', documents: BOOKS }]);
    const table = await run('npx', ['search-sync', 'status', family, ...CLI], app, env);
    expect(table).toMatch(new RegExp(`1\\s+${family}_v1\\s+serving`));
  });

  it('runs the family on its schedule: inserts, updates and hard deletes reach OpenSearch; stops on SIGTERM', async () => {
    await database.client`update books set title = 'Changed ' || id where id % 10 = 0`;
    await database.client`delete from books where id % 10 = 1`;
    await database.client`insert into books (title, author, year) values ('Added', 'Author A', 2024)`;
    // `npm start`'s command itself, so that the signal reaches the application rather than npm.
    const [command, ...args] = manifest.scripts!.start.split(' ');
    const child = spawn(command, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let printed = '';
    child.stdout.on('data', (chunk) => (printed += chunk));
    child.stderr.on('data', (chunk) => (printed += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const expected = await expectedDocuments();
    expect(expected.size).toBe(BOOKS - BOOKS / 10 + 1);
    await eventually(async () => expect(await readAll(client, family)).toEqual(expected));
    child.kill('SIGTERM');
    expect({ code: await exited, printed }).toEqual({
      code: 0,
      printed: `syncing ${family} on its schedule\n`,
    });
  });
});
