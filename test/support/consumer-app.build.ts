import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConsumerDriver, driverPackages } from './consumer-app.driver.js';
import { consumerAppFiles, installedPackages, README, readmeApplication } from './readme-app.js';

// The packed library in a copy of the README's minimal application outside the repository: what the
// consumer tests share (test/consumer.e2e-spec.ts with the lockfile's versions, test/fresh with the
// registry's), on each database driver. Only how the application's packages are installed differs
// between them.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** How the application's command line finds its module (test/consumer-app/src/search-sync.cli.ts). */
export const CLI = ['--module', 'dist/search-sync.cli.js'];

export interface PackageJson {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The application's directory, the packed library beside it, and the environment its processes get. */
export interface ConsumerApp {
  readonly work: string;
  readonly app: string;
  /** The tarball's file name in `work`: the application installs `../<tarball>`. */
  readonly tarball: string;
  /** The library's package.json, as packed. */
  readonly library: PackageJson;
  readonly env: NodeJS.ProcessEnv;
  readonly driver: ConsumerDriver;
  /** The packages the README's `npm install` commands name, with the driver's in place of `postgres`. */
  readonly packages: { readonly dependencies: string[]; readonly devDependencies: string[] };
}

/** Runs a command to its end; a failure carries what the command printed. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * A temporary directory with the library packed into it and the application's files written to `app/`
 * as the README shows them (but the driver's src/database.ts), before its `npm install`: the caller's
 * install runs that.
 */
export async function prepareConsumerApp(
  driver: ConsumerDriver,
  extraEnv: Record<string, string>,
): Promise<ConsumerApp> {
  const work = await mkdtemp(join(tmpdir(), 'search-sync-consumer-'));
  const app = join(work, 'app');
  // The application's processes see neither this npm run's settings nor the repository.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  Object.assign(env, extraEnv);

  // `npm pack` builds the package (prepack) and leaves the tarball a registry would serve.
  await run('npm', ['pack', '--workspace', 'search-sync', '--pack-destination', work], ROOT, env);
  const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);

  // The application's files as the README shows them (test/readme-app.spec.ts keeps the two the same).
  for (const [path, content] of await consumerAppFiles()) {
    await mkdir(dirname(join(app, path)), { recursive: true });
    await writeFile(join(app, path), content);
  }
  if (driver.databaseFile) await writeFile(join(app, 'src/database.ts'), await readFile(driver.databaseFile));
  const library = JSON.parse(
    await readFile(join(ROOT, 'libs/search-sync/package.json'), 'utf8'),
  ) as PackageJson;
  const packages = driverPackages(
    driver,
    installedPackages(readmeApplication(await readFile(README, 'utf8'))),
  );
  return { work, app, tarball, library, env, driver, packages };
}

/**
 * The README's commands after the install: the build, drizzle-kit's migration of the application's
 * tables and search-sync's, the change-capture migration the package's command line writes, and both applied.
 */
export async function buildConsumerApp({ app, env }: ConsumerApp, family: string): Promise<void> {
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
}

export async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
