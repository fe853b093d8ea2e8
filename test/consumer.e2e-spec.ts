import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConsumerApp, type PackageJson, ROOT, run } from './support/consumer-app.build.js';
import { CONSUMER_DRIVERS } from './support/consumer-app.driver.js';
import { describeConsumerApp } from './support/consumer-app.scenario.js';

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

/**
 * What the README's `npm install` commands add to package.json: the packages they name (the driver's in
 * place of `postgres`), at the versions the repository's lockfile installed (CI's), and the packed tarball
 * for the library itself; installed from npm's cache, deterministic. `npm run test:fresh` (test/fresh)
 * installs what the registry resolves today instead.
 */
async function installLocked({ app, tarball, library, env, packages }: ConsumerApp): Promise<void> {
  const lock = await rootLockfile();
  const template = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as PackageJson;
  const manifest = {
    ...template,
    dependencies: {
      [library.name]: `file:../${tarball}`,
      ...lockedVersions(
        lock,
        packages.dependencies.filter((name) => name !== library.name),
      ),
    },
    devDependencies: lockedVersions(lock, packages.devDependencies),
  };
  await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // A lockfile seeded with the repository's installed packages: npm keeps what the application needs at
  // those exact versions (transitive ones too) and takes them from the cache the repository's own
  // `npm ci` filled, so the install is deterministic and needs the registry only if the cache lacks them.
  const seeded = Object.fromEntries(
    Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.link),
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
}

for (const driver of CONSUMER_DRIVERS)
  describeConsumerApp('the packed library in a fresh application', driver, installLocked);
