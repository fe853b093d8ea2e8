import { type ApiResponse, errors } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { familyStatus as family, versionStatus as version } from '../nest/search-sync-status.test-fixture.js';
import { checkSearchSync, type SearchSyncHealthSource } from './search-sync.health.js';

function source(overrides: Partial<SearchSyncHealthSource> = {}): SearchSyncHealthSource {
  return {
    db: { execute: async () => [] } as never,
    client: { ping: async () => ({ body: true }) } as never,
    status: async () => [family('products', [version({})])],
    ...overrides,
  };
}

const refused = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));

describe('checkSearchSync', () => {
  it('is healthy when both answer and the live versions are within the bound', async () => {
    const health = await checkSearchSync(source(), { maxLagSeconds: 60 });
    expect(health).toEqual({
      healthy: true,
      postgresql: { status: 'up' },
      opensearch: { status: 'up' },
      versions: [
        {
          family: 'products',
          version: 1,
          index: 'products_v1',
          state: 'serving',
          lagSeconds: 0,
          pendingChanges: 0,
          status: 'up',
        },
      ],
      related: [],
      problems: [],
    });
  });

  it('is down when related changes wait past the bound to re-index a family, naming the family', async () => {
    const related = (waiting: number, oldestSeconds: number | null) => ({
      waiting,
      oldestSeconds,
      tracked: ['category'],
      optedOut: [],
    });
    const health = await checkSearchSync(
      source({
        status: async () => [
          family('products', [version({})], { related: related(40, 75) }),
          family('articles', [version({ index: 'articles_v1' })], { related: related(3, 2) }),
          family('books', [version({ index: 'books_v1' })]),
        ],
      }),
      { maxLagSeconds: 60 },
    );
    expect(health.healthy).toBe(false);
    expect(health.related).toEqual([
      { family: 'products', waiting: 40, oldestSeconds: 75, status: 'down' },
      { family: 'articles', waiting: 3, oldestSeconds: 2, status: 'up' },
    ]);
    expect(health.problems).toEqual([
      'Family "products": 40 related changes wait to re-index its documents, the oldest for 75 s, past the ' +
        'bound of 60 s. Check that its runs succeed (status, run log) and keep up.',
    ]);
  });

  it('is down when a live version lags past the bound, naming its family and version; a backfill lags by design', async () => {
    const health = await checkSearchSync(
      source({
        status: async () => [
          family('products', [
            version({}),
            version({ version: 2, index: 'products_v2', state: 'live', lagSeconds: 90, pendingChanges: 12 }),
            version({ version: 3, index: 'products_v3', state: 'backfilling', lagSeconds: 5000 }),
          ]),
        ],
      }),
      { maxLagSeconds: 60 },
    );
    expect(health.healthy).toBe(false);
    expect(health.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'up'],
      [2, 'down'],
    ]);
    expect(health.problems).toEqual([
      'Family "products", version 2 (products_v2): its checkpoint has not moved for 90 s while changes wait, ' +
        'past the bound of 60 s. Check that its runs succeed (status, run log) and keep up.',
    ]);
  });

  it('is down when PostgreSQL cannot be reached, and does not read the status then', async () => {
    let statusRead = false;
    const health = await checkSearchSync(
      source({
        db: { execute: refused } as never,
        status: async () => {
          statusRead = true;
          return [];
        },
      }),
    );
    expect(health.healthy).toBe(false);
    expect(health.postgresql).toEqual({ status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(health.opensearch).toEqual({ status: 'up' });
    expect(health.problems).toEqual([
      'PostgreSQL cannot be reached (connect ECONNREFUSED 127.0.0.1:5432): no family can sync until it answers.',
    ]);
    expect(statusRead).toBe(false);
  });

  it('is down when OpenSearch cannot be reached or does not answer the ping', async () => {
    const unreachable = await checkSearchSync(
      source({ client: { ping: () => Promise.reject(new Error('ECONNREFUSED')) } as never }),
    );
    expect(unreachable.opensearch).toEqual({ status: 'down', message: 'ECONNREFUSED' });
    expect(unreachable.problems).toEqual([
      'OpenSearch cannot be reached (ECONNREFUSED): no family can sync until it answers.',
    ]);
    const refusing = await checkSearchSync(
      source({ client: { ping: async () => ({ body: false }) } as never }),
    );
    expect(refusing.healthy).toBe(false);
    expect(refusing.opensearch.status).toBe('down');
  });

  it('is down when OpenSearch refuses the credentials, naming the node, the status and what to check', async () => {
    const unauthorized = new errors.ResponseError({
      body: 'Unauthorized',
      statusCode: 401,
      headers: {},
      meta: { connection: { url: new URL('https://admin:secret@search:9200/') } },
    } as unknown as ApiResponse);
    const health = await checkSearchSync(
      source({ client: { ping: () => Promise.reject(unauthorized) } as never }),
    );
    const refusal =
      "OpenSearch at https://search:9200 refused the client (401 Unauthorized, authentication failed): check the client's credentials " +
      '(the `auth` of the `opensearch` option of SearchSyncModule, or the user and password in its node URL).';
    expect(health.opensearch).toEqual({ status: 'down', message: refusal });
    expect(health.problems).toEqual([`${refusal} No family can sync until it is fixed.`]);
  });

  it('is down, not hanging, when a dependency does not answer within the timeout', async () => {
    const health = await checkSearchSync(source({ db: { execute: () => new Promise(() => {}) } as never }), {
      timeoutMs: 20,
    });
    expect(health.postgresql).toEqual({ status: 'down', message: 'PostgreSQL did not answer within 20 ms' });
  });

  it('is down when the status cannot be read, and passes the families to check on', async () => {
    let asked: readonly string[] | undefined;
    const health = await checkSearchSync(
      source({
        status: async (families) => {
          asked = families;
          throw new Error('No family "orders" is declared.');
        },
      }),
      { families: ['orders'] },
    );
    expect(asked).toEqual(['orders']);
    expect(health.problems).toEqual([
      'The families\' status could not be read (No family "orders" is declared.).',
    ]);
  });
});
