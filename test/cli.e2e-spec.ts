import { execFileSync } from 'node:child_process';
import type { Client } from '@opensearch-project/opensearch';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { CLI_MODULE, expectOneLine, runCli } from './support/cli.process.js';
import { createTestDatabase, type TestDatabase, untilReadable } from './support/test-database.js';
import {
  aliasTargets,
  createClient,
  deleteIndexes,
  OPENSEARCH_URL,
  uniqueName,
} from './support/test-opensearch.js';

const PRODUCTS = 300;
const BAD = [7, 8];

/**
 * `search-sync` as a user runs it: the built bin, with node, pointed at a built application module
 * (test/fixtures/cli.module.ts), one process and one application boot per command.
 */
describe('the search-sync command line', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('cli_products');

  beforeAll(async () => {
    // The library (with its bin) and the fixture module, compiled as a user's application would be.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: PRODUCTS });
    await database.db.update(products).set({ title: 'BAD rating' }).where(inArray(products.id, BAD));
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}*`);
    await client.close();
    await database?.drop();
  });

  function cli(args: readonly string[], options: { v2?: boolean; module?: string | null } = {}) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL,
      CLI_FAMILY: family,
      CLI_V2: options.v2 ? '1' : '',
    };
    const module =
      options.module === undefined
        ? ['--module', CLI_MODULE]
        : options.module
          ? ['--module', options.module]
          : [];
    return runCli([...args, ...module], env);
  }

  async function json<T>(args: readonly string[], options: { v2?: boolean } = {}, code = 0): Promise<T> {
    const outcome = await cli([...args, '--json'], options);
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code, stderr: expect.any(String) });
    return JSON.parse(outcome.stdout) as T;
  }

  /** Every row of every state table, and the family's indexes in OpenSearch. */
  async function stateSnapshot() {
    const tables = await database.client<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = 'search_sync' order by 1`;
    const rows: Record<string, unknown[]> = {};
    for (const { name } of tables)
      rows[name] = await database.client.unsafe(`select * from search_sync."${name}" order by 1`);
    const indexes = await client.cat.indices({
      index: `${family}*`,
      format: 'json',
      expand_wildcards: 'all',
    } as never);
    return { rows, indexes: (indexes.body as { index: string }[]).map((i) => i.index).sort() };
  }

  it('answers usage errors with exit code 2 and one line, before booting anything', async () => {
    const [none, unknown, option, missing, notNumber, noModule, notLoaded, noExport, noFamily, help] =
      await Promise.all([
        cli([]),
        cli(['frobnicate']),
        cli(['status', '--bogus']),
        cli(['promote', family]),
        cli(['promote', family, 'two']),
        cli(['status'], { module: null }),
        cli(['status'], { module: 'dist/nowhere.js' }),
        cli(['status'], { module: `${CLI_MODULE}#Nope` }),
        cli(['status', 'no_such_family']),
        cli(['help'], { module: null }),
      ]);
    expectOneLine(none, 2, /No command given/);
    expectOneLine(unknown, 2, /Unknown command "frobnicate"/);
    expectOneLine(option, 2, /Unknown option --bogus\. Usage: search-sync status/);
    expectOneLine(missing, 2, /Missing version/);
    expectOneLine(notNumber, 2, /version must be a whole number/);
    expectOneLine(noModule, 2, /--module/);
    expectOneLine(notLoaded, 2, /Could not load the module file/);
    expectOneLine(noExport, 2, /has no export "Nope"/);
    expectOneLine(noFamily, 2, /No family "no_such_family" is declared/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 ok/);
  });

  it('status reads without bootstrapping: no version registered, no index made, no run started', async () => {
    const before = await stateSnapshot();
    const outcome = await cli(['status']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`${family} (CliProductsV1Index)`);
    expect(outcome.stdout).toMatch(/version\s+index\s+state\s+checkpoint/);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('sync runs the family once, then status shows version 1 serving every product (named export too)', async () => {
    const [result] = await json<{ family: string; outcome: string }[]>(['sync', family]);
    expect(result).toMatchObject({ family, outcome: 'completed' });
    const outcome = await cli(['status', family, '--json'], {
      module: `${CLI_MODULE}#CliTestModule`,
    } as never);
    expect(outcome.code).toBe(0);
    const [status] = JSON.parse(outcome.stdout);
    expect(status.versions).toMatchObject([{ version: 1, state: 'serving', documents: PRODUCTS }]);
    const text = await cli(['status', family]);
    expect(text.stdout).toMatch(new RegExp(`1\\s+${family}_v1\\s+serving`));
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);
  });

  it('sync exits 5 while another instance holds the family', async () => {
    await database.client`insert into search_sync.leases (family, holder, token, expires_at)
      values (${family}, 'elsewhere:1', 1, now() + interval '1 hour')
      on conflict (family) do update set holder = excluded.holder, expires_at = excluded.expires_at`;
    try {
      const outcome = await cli(['sync', family]);
      expect(outcome.code).toBe(5);
      expect(outcome.stdout).toContain('skipped (held by elsewhere:1)');
    } finally {
      await database.client`update search_sync.leases set expires_at = now() where family = ${family}`;
    }
  });

  it('plan shows what version 2 would do, exits 4 for the documents its mapping rejects, and writes no state', async () => {
    const before = await stateSnapshot();
    const plan = await json<Record<string, any>>(['plan', family, '2', '--sample', '1000'], { v2: true }, 4);
    expect(await stateSnapshot()).toEqual(before);

    const [{ active }] = await database.client<{ active: number }[]>`
      select count(*)::int as active from products where active and deleted_at is null`;
    expect(plan).toMatchObject({
      family,
      version: 2,
      index: `${family}_v2`,
      state: null,
      serving: { version: 1, index: `${family}_v1` },
      documents: { rows: PRODUCTS, documents: active },
    });
    expect(plan.mappings).toEqual(
      expect.arrayContaining([
        { path: 'title', change: 'changed', before: { type: 'text' }, after: { type: 'search_as_you_type' } },
        { path: 'rating', change: 'added', after: { type: 'integer' } },
        { path: 'price', change: 'removed', before: { type: 'scaled_float', scaling_factor: 100 } },
      ]),
    );
    expect(plan.trial.sampled).toBe(PRODUCTS);
    const badActive = await database.client<{ id: number }[]>`
      select id from products where id in ${database.client(BAD)} and active order by id`;
    expect(plan.trial.rejected.map((r: { documentId: string }) => r.documentId).sort()).toEqual(
      badActive.map((r) => String(r.id)),
    );
    expect(plan.samples).toHaveLength(3);
    expect(plan.samples[0]).toMatchObject({ serving: { kind: 'document' }, planned: { kind: 'document' } });
    expect(plan.estimate.seconds).toBeGreaterThan(0);

    const text = await cli(['plan', family, '2', '--show', '2'], { v2: true });
    expect(text.stdout).toMatch(
      /Mappings:\n(.|\n)*~ title: \{"type":"text"\} -> \{"type":"search_as_you_type"\}/,
    );
    expect(text.stdout).toMatch(new RegExp(`Documents: ${active} of ${PRODUCTS} rows`));
    expect(text.stdout).toMatch(/Backfill estimate: .* rows\/s/);
    expect(await stateSnapshot()).toEqual(before);

    expectOneLine(
      await cli(['plan', family, '1'], { v2: true }),
      3,
      /version 1 cannot be planned: it is serving/,
    );
    expectOneLine(
      await cli(['plan', family, '9'], { v2: true }),
      2,
      /has no version 9\. Its versions: 1, 2\./,
    );
  });

  it('backfill registers version 2 and shows progress with rate and ETA; its rejects are dead letters', async () => {
    const outcome = await cli(['backfill', family, '--progress'], { v2: true });
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/\d+\/\d+ changes \| \d+ changes\/s \| ETA/);
    expect(outcome.stdout).toMatch(new RegExp(`2\\s+${family}_v2\\s+live`));
    const letters = await json<{ version: number; documentId: string }[]>(['dead-letters', family], {
      v2: true,
    });
    expect(letters.map((l) => l.documentId).sort()).toEqual(
      (await database.client`select id from products where id in ${database.client(BAD)} and active`)
        .map((r) => String(r.id))
        .sort(),
    );
  });

  it('dead-letters filters by version and reason; replay exits 4 while they still fail, 0 once fixed', async () => {
    const open = await json<unknown[]>(['dead-letters', family], { v2: true });
    expect(open.length).toBeGreaterThan(0);
    expect(
      await json<unknown[]>(['dead-letters', family, '2', '--reason', 'MAPPER_PARSING'], { v2: true }),
    ).toHaveLength(open.length);
    expect(await json<unknown[]>(['dead-letters', family, '1'], { v2: true })).toEqual([]);
    expect(
      await json<unknown[]>(['dead-letters', family, '--reason', 'nothing like it'], { v2: true }),
    ).toEqual([]);
    expect(await json<unknown[]>(['dead-letters', family, '--limit', '1'], { v2: true })).toHaveLength(1);
    const table = await cli(['dead-letters', family], { v2: true });
    expect(table.stdout).toMatch(/id\s+version\s+document\s+operation\s+error/);

    const failing = await json<{ failed: number }>(['replay', family, '2'], { v2: true }, 4);
    expect(failing.failed).toBe(open.length);
    await database.db.update(products).set({ title: 'Fixed' }).where(inArray(products.id, BAD));
    const fixed = await json<{ resolved: number; failed: number }>(['replay', family, '--reason', 'mapper'], {
      v2: true,
    });
    expect(fixed).toEqual({ replayed: open.length, resolved: open.length, failed: 0 });
    expect(await json<unknown[]>(['dead-letters', family], { v2: true })).toEqual([]);
  });

  it('promote moves the alias (3 when refused), rollback moves it back and no further, retire refuses the serving version', async () => {
    await untilReadable(database.client);
    const promoted = await json<{ index: string }>(['promote', family, '2'], { v2: true });
    expect(promoted.index).toBe(`${family}_v2`);
    expect(await aliasTargets(client, family)).toEqual([`${family}_v2`]);
    expectOneLine(
      await cli(['promote', family, '2'], { v2: true }),
      3,
      /version 2 cannot be promoted: it already serves/,
    );

    const rolledBack = await json<{ index: string }>(['rollback', family], { v2: true });
    expect(rolledBack.index).toBe(`${family}_v1`);
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);
    // Version 1 served first: a second rollback has nothing to go back to, and never moves the alias forward.
    expectOneLine(
      await cli(['rollback', family], { v2: true }),
      3,
      /nothing to roll back: no version that served before version 1 is still live/,
    );
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);
    expectOneLine(await cli(['retire', family, '1'], { v2: true }), 3, /version 1 cannot be retired/);
  });

  it('reconcile exits 0 when the versions match the source, 4 when it repaired differences', async () => {
    await untilReadable(database.client);
    await cli(['sync', family], { v2: true });
    expect((await cli(['reconcile', family], { v2: true })).code).toBe(0);
    await client.delete({ index: `${family}_v1`, id: '1', refresh: true });
    const reports = await json<{ version: number; missing: number; repaired: number }[]>(
      ['reconcile', family, '1'],
      { v2: true },
      4,
    );
    expect(reports).toEqual([expect.objectContaining({ version: 1, missing: 1, repaired: 1 })]);
    expect((await cli(['reconcile', family, '1'], { v2: true })).code).toBe(0);
  });

  it('retire stops a version that does not serve; its lag and pending changes stay 0 while writes go on', async () => {
    const outcome = await cli(['retire', family, '2', '--grace', '0'], { v2: true });
    expect(outcome.code).toBe(0);
    await database.client`update products set title = title || '.' where id <= 10`;
    await untilReadable(database.client);
    // Past a second: a lag counted from the retired version's last checkpoint would show.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [status] = await json<
      { versions: { version: number; state: string; lagSeconds: number; pendingChanges: number }[] }[]
    >(['status', family], { v2: true });
    expect(status.versions.find((v) => v.version === 2)).toMatchObject({
      state: 'retired',
      lagSeconds: 0,
      pendingChanges: 0,
    });
    expect(status.versions.find((v) => v.version === 1)?.pendingChanges).toBeGreaterThan(0);
    expectOneLine(
      await cli(['retire', family, '2', '--grace', 'soon'], { v2: true }),
      2,
      /--grace must be a duration/,
    );
  });

  it('capture-migration prints the capture SQL of the family, relations included', async () => {
    const outcome = await cli(['capture-migration', family, '--print']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(
      'create trigger search_sync_capture before insert or update on "public"."products"',
    );
    expect(outcome.stdout).toContain('-- Related rows: category, tags');
    // Idempotent: applying it again to a database that has it changes nothing and fails nothing.
    await database.client.unsafe(outcome.stdout);
  });
});
