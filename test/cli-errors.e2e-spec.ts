import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Client } from '@opensearch-project/opensearch';
import postgres from 'postgres';
import { searchSyncStateSql } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { CLI_MODULE, type CliOutcome, expectOneLine, runCli, startCli } from './support/cli.process.js';
import { eventually } from './support/eventually.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { createTestDatabase, DATABASE_URL, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

/** A password in the URLs the commands get: no output may show it. */
const SECRET = `pw${randomBytes(6).toString('hex')}`;
const PROVIDER_FILE = 'dist/test/fixtures/cli-provider.index.js';

/** A port nothing listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const withPassword = (url: string) => url.replace('://', `://admin:${SECRET}@`);

/**
 * What a new user meets first when something is set up wrong: each failure names the service that
 * failed (PostgreSQL, OpenSearch), what it said and what to change, with the exit code the README
 * documents; never a credential.
 */
describe('the command line names the service that failed and what to change', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('cli_errors');

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 50 });
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}*`);
    await client.close();
    await database?.drop();
  });

  /** The environment of a command: the test's database and node, with `changes` on top (undefined unsets). */
  function environment(changes: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL,
      CLI_FAMILY: family,
      CLI_V2: '',
    };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }

  const cli = (args: readonly string[], changes: Record<string, string | undefined> = {}) =>
    runCli([...args, '--module', CLI_MODULE], environment(changes));

  const expectNoSecret = (...outcomes: CliOutcome[]) => {
    for (const outcome of outcomes) expect(`${outcome.stdout}${outcome.stderr}`).not.toContain(SECRET);
  };

  it("a bad DATABASE_URL (port, database, user, unset) gets the driver's cause, naming PostgreSQL and DATABASE_URL (exit 1)", async () => {
    const port = await closedPort();
    const url = (change: (url: URL) => void) => {
      const changed = new URL(database.url);
      changed.password = SECRET;
      change(changed);
      return changed.toString();
    };
    const missing = `newcomer_${randomBytes(3).toString('hex')}`;
    const [refused, noDatabase, noUser, unset, verbose] = await Promise.all([
      cli(['status'], { DATABASE_URL: url((u) => (u.port = String(port))) }),
      cli(['status'], { DATABASE_URL: url((u) => (u.pathname = `/${missing}`)) }),
      cli(['sync'], { DATABASE_URL: url((u) => (u.username = 'ss_no_such_role')) }),
      // Unset: the driver's defaults, pinned here so that they name a role that does not exist.
      cli(['status'], {
        DATABASE_URL: undefined,
        PGHOST: '127.0.0.1',
        PGPORT: '5432',
        PGUSER: 'ss_no_such_role',
        PGDATABASE: undefined,
        PGPASSWORD: undefined,
      }),
      cli(['sync', '--verbose'], { DATABASE_URL: url((u) => (u.port = String(port))) }),
    ]);
    const names = (cause: string) => new RegExp(`PostgreSQL .*${cause}.*DATABASE_URL`);
    expectOneLine(refused, 1, names(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expectOneLine(noDatabase, 1, names(`database "${missing}" does not exist`));
    expectOneLine(noUser, 1, names('role "ss_no_such_role" does not exist'));
    expectOneLine(unset, 1, names('role "ss_no_such_role" does not exist'));
    for (const outcome of [refused, noDatabase, noUser, unset])
      expect(outcome.stderr).not.toMatch(/Failed query/);
    // --verbose adds the stack, never the password.
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(names(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect(verbose.stderr).toMatch(/^\s+at /m);
    expectNoSecret(refused, noDatabase, noUser, unset, verbose);
  });

  it('OpenSearch down: sync and status name OpenSearch and its node, and exit 1', async () => {
    const port = await closedPort();
    const node = withPassword(`http://127.0.0.1:${port}`);
    const [sync, status] = await Promise.all([
      cli(['sync', family], { OPENSEARCH_URL: node }),
      cli(['status', family], { OPENSEARCH_URL: node }),
    ]);
    const down = new RegExp(`OpenSearch at http://127\\.0\\.0\\.1:${port} did not answer \\(.*ECONNREFUSED`);
    expectOneLine(sync, 1, down);
    expectOneLine(status, 1, down);
    // What the database knows is still shown.
    expect(status.stdout).toContain(`${family} (CliProductsV1Index)`);
    expectNoSecret(sync, status);
  });

  it('OpenSearch refusing the credentials (401): sync fails at bootstrap and status exits 1, both saying so', async () => {
    const proxy = await startFaultProxy(OPENSEARCH_URL);
    proxy.refuseCredentials = true;
    try {
      const node = withPassword(proxy.url);
      const [sync, status] = await Promise.all([
        cli(['sync', family], { OPENSEARCH_URL: node }),
        cli(['status', family], { OPENSEARCH_URL: node }),
      ]);
      const refused = new RegExp(
        `OpenSearch at ${proxy.url.replaceAll('.', '\\.')} refused the client \\(401 .*\\): check the client's credentials`,
      );
      expectOneLine(sync, 1, refused);
      expectOneLine(status, 1, refused);
      expectNoSecret(sync, status);
    } finally {
      await proxy.close();
    }
  });

  it('status before the state tables or the capture are installed exits 2 with the migration to run; sync names capture-migration', async () => {
    const bare = await createTestDatabase({ migrate: false });
    try {
      // The catalog's tables, as a first drizzle-kit migration makes them, and nothing else.
      await bare.client.unsafe(
        readFileSync('drizzle/0000_catalog.sql', 'utf8').replaceAll('--> statement-breakpoint', ''),
      );
      const on = { DATABASE_URL: bare.url };
      expectOneLine(
        await cli(['status'], on),
        2,
        /state tables are missing in schema "search_sync".*drizzle-kit generate.*drizzle-kit migrate/,
      );
      await bare.client.unsafe(searchSyncStateSql());
      const command = new RegExp(
        `"public\\.products" has no change capture.*search-sync capture-migration ${family}`,
      );
      expectOneLine(await cli(['status'], on), 2, command);
      expectOneLine(await cli(['sync'], on), 2, command);
    } finally {
      await bare.drop();
    }
  });

  it('--module pointed at a file that exports a provider says so (exit 2)', async () => {
    const env = environment();
    const [file, named] = await Promise.all([
      runCli(['status', '--module', PROVIDER_FILE], env),
      runCli(['status', '--module', `${PROVIDER_FILE}#CliProviderIndex`], env),
    ]);
    expectOneLine(file, 2, /exports a provider \(CliProviderIndex\), not a Nest module/);
    expectOneLine(named, 2, /exports a provider \(CliProviderIndex\), not a Nest module/);
  });

  it('an undeclared version exits 2 in promote, plan, dead-letters, replay, retire and reconcile', async () => {
    expect((await cli(['sync', family])).code).toBe(0);
    const outcomes = await Promise.all([
      cli(['promote', family, '7']),
      cli(['plan', family, '7']),
      cli(['dead-letters', family, '9']),
      cli(['replay', family, '9']),
      cli(['retire', family, '9']),
      cli(['reconcile', family, '9']),
    ]);
    for (const outcome of outcomes)
      expectOneLine(outcome, 2, new RegExp(`Family "${family}" has no version [79]\\. Its versions: 1\\.`));
  });

  it('promote while another instance holds the lease says it waits, for whom and how long at most', async () => {
    expect((await cli(['sync', family])).code).toBe(0);
    await database.client`insert into search_sync.leases (family, holder, token, expires_at)
      values (${family}, 'elsewhere:42', 1, now() + interval '1 hour')
      on conflict (family) do update set holder = excluded.holder, expires_at = excluded.expires_at`;
    const promote = startCli(['promote', family, '1', '--module', CLI_MODULE], environment());
    const waiting = await promote.stderrUntil(/waiting/);
    expect(waiting).toMatch(
      new RegExp(
        `^search-sync: family "${family}" is busy: its lease is held by elsewhere:42 \\(until .*\\); waiting for it, at most 120 s$`,
      ),
    );
    // The holder lets go: the promotion goes on (and is refused, version 1 serving already).
    await database.client`update search_sync.leases set expires_at = now() where family = ${family}`;
    const outcome = await promote.outcome;
    expect(outcome.code).toBe(3);
    expect(outcome.stderr).toMatch(/version 1 cannot be promoted: it already serves/);
  });

  it('the status horizon line names the database of the session holding the horizon', async () => {
    const elsewhere = new URL(DATABASE_URL).pathname.slice(1);
    const other = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    const session = await other.reserve();
    try {
      await session`begin`;
      const [{ pid }] = await session<{ pid: number }[]>`
        select pg_backend_pid() as pid, pg_current_xact_id()::text as xid`;
      // Transactions of other tests on the server may be older: once they end, this one holds the horizon.
      await eventually(async () => {
        const outcome = await cli(['status', family]);
        expect(outcome.stdout).toMatch(
          new RegExp(`^horizon held by pid ${pid} in database "${elsewhere}" \\(idle in transaction`, 'm'),
        );
      });
    } finally {
      await session`rollback`;
      session.release();
      await other.end();
    }
  });
});
