import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { type ConsumerApp, type PackageJson, run } from '../support/consumer-app.build.js';
import { CONSUMER_DRIVERS, otherDriverPackages } from '../support/consumer-app.driver.js';
import { describeConsumerApp } from '../support/consumer-app.scenario.js';
import { createClient } from '../support/test-opensearch.js';

/**
 * `npm run test:fresh`: the README's minimal application installed as a new user installs it, with the
 * README's own `npm install` commands (the packed tarball for `search-sync`, and on node-postgres `pg` for
 * `postgres`) and no lockfile, on each driver. npm takes each package's newest release and refuses
 * (ERESOLVE) one outside the range the package declares, so this sees what the registry serves today,
 * which the lockfile's consumer test (test/consumer.e2e-spec.ts) cannot. It needs the registry, so CI does
 * not run it: run it before a release. It prints the versions it resolved on each driver, the tables of
 * the README's "Tested versions".
 */
async function installFresh(consumer: ConsumerApp): Promise<void> {
  const { app, tarball, library, env, packages } = consumer;
  // The optional peers too: a user adding the metrics or the health indicator installs them beside the
  // others. Not another driver's: the application runs on its own.
  const optional = appPeers(consumer).filter((name) => !packages.dependencies.includes(name));
  const dependencies = packages.dependencies.map((name) => (name === library.name ? `../${tarball}` : name));
  const install = ['install', '--prefer-online', '--no-audit', '--no-fund'];
  await run('npm', [...install, ...dependencies, ...optional], app, env);
  await run('npm', [...install, '--save-dev', ...packages.devDependencies], app, env);
  console.log(await testedVersions(consumer, packages.devDependencies));
}

/** The library's peers this driver's application installs: all of them but the other drivers. */
function appPeers({ library, driver }: ConsumerApp): string[] {
  const others = otherDriverPackages(driver);
  return Object.keys(library.peerDependencies ?? {}).filter((name) => !others.includes(name));
}

async function installedVersion(app: string, name: string): Promise<string> {
  const manifest = await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8');
  return (JSON.parse(manifest) as PackageJson).version;
}

/** The peers' declared ranges and resolved versions as a Markdown table, and what else the run used. */
async function testedVersions(consumer: ConsumerApp, tools: readonly string[]): Promise<string> {
  const { app, library, env, driver } = consumer;
  const rows = [['peer', 'declared range', 'resolved']];
  // A pipe inside a cell ends it in Markdown, even in a code span: `^3.4.0 \|\| ^4.0.0`.
  const peers = appPeers(consumer);
  for (const [name, range] of Object.entries(library.peerDependencies ?? {})) {
    if (!peers.includes(name)) continue;
    rows.push([`\`${name}\``, `\`${range.replaceAll('|', '\\|')}\``, await installedVersion(app, name)]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const table = [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
  const versions = await Promise.all(
    tools.map(async (name) => `${name} ${await installedVersion(app, name)}`),
  );
  return [
    `${library.name} ${library.version} on ${driver.name} installed fresh on ${new Date().toISOString().slice(0, 10)}:`,
    '',
    ...table,
    '',
    `with Node.js ${process.version.slice(1)}, ${versions.join(', ')}, ${await servers(env)}.`,
  ].join('\n');
}

/** The PostgreSQL and OpenSearch the application ran against. */
async function servers(env: NodeJS.ProcessEnv): Promise<string> {
  const sql = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  const client = createClient();
  try {
    const [{ server_version }] = await sql`show server_version`;
    const { body } = await client.info();
    return `PostgreSQL ${String(server_version).split(' ')[0]}, OpenSearch ${body.version.number}`;
  } finally {
    await sql.end();
    await client.close();
  }
}

for (const driver of CONSUMER_DRIVERS)
  describeConsumerApp('the packed library with what the registry resolves today', driver, installFresh);
