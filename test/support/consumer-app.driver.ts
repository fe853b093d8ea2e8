import { fileURLToPath } from 'node:url';

/**
 * The database driver a consumer application runs on: the README's (postgres.js), or another one whose
 * own src/database.ts replaces the README's and whose package the application installs instead of
 * `postgres`. Each application has its own driver only, as a user's has.
 */
export interface ConsumerDriver {
  readonly name: string;
  /** The driver's package, in place of the README's `postgres` among the installed packages. */
  readonly package: string;
  /** What the application installs with `--save-dev` besides the README's (the driver's types). */
  readonly devDependencies: readonly string[];
  /** The file written over the README's src/database.ts; none: the README's own. */
  readonly databaseFile?: string;
}

export const POSTGRES_JS: ConsumerDriver = { name: 'postgres.js', package: 'postgres', devDependencies: [] };

export const NODE_POSTGRES: ConsumerDriver = {
  name: 'node-postgres',
  package: 'pg',
  devDependencies: ['@types/pg'],
  databaseFile: fileURLToPath(new URL('../fixtures/consumer-node-postgres/database.ts', import.meta.url)),
};

export const CONSUMER_DRIVERS: readonly ConsumerDriver[] = [POSTGRES_JS, NODE_POSTGRES];

/** The drivers' packages the application must not have: every driver's but its own. */
export function otherDriverPackages(driver: ConsumerDriver): string[] {
  return CONSUMER_DRIVERS.filter((d) => d !== driver).map((d) => d.package);
}

/**
 * The README's `npm install` lists as this driver's application installs them: the driver's package in
 * place of any driver's, and its development dependencies added.
 */
export function driverPackages(
  driver: ConsumerDriver,
  readme: { dependencies: readonly string[]; devDependencies: readonly string[] },
): { dependencies: string[]; devDependencies: string[] } {
  const drivers = new Set(CONSUMER_DRIVERS.map((d) => d.package));
  if (!readme.dependencies.some((name) => drivers.has(name)))
    throw new Error(`the README's npm install names no driver (${[...drivers].join(', ')}) to replace`);
  return {
    dependencies: readme.dependencies.map((name) => (drivers.has(name) ? driver.package : name)),
    devDependencies: [...readme.devDependencies, ...driver.devDependencies],
  };
}
