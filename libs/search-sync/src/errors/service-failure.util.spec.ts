import { type ApiResponse, errors } from '@opensearch-project/opensearch';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { ClusterUnavailableError } from './cluster-unavailable.error.js';
import { DatabaseFailedError } from './database-failed.error.js';
import { OpenSearchAuthError } from './opensearch-auth.error.js';
import { SearchSyncError } from './search-sync.error.js';
import { serviceFailure } from './service-failure.util.js';

/** A server error as postgres.js throws it, under Drizzle's "Failed query" wrapper. */
const failedQuery = (code: string, message: string) =>
  new DrizzleQueryError(
    'select version from "search_sync".checkpoints where family = $1',
    ['books'],
    Object.assign(new Error(message), { code, severity: 'FATAL' }),
  );

/** What the OpenSearch client says of a request to `node`. */
const answer = (node: string, statusCode: number | null, body: unknown) =>
  ({ body, statusCode, headers: {}, meta: { connection: { url: new URL(node) } } }) as unknown as ApiResponse;

describe('serviceFailure', () => {
  it("names PostgreSQL and the driver's cause, not Drizzle's failed query, and where to fix a connection", () => {
    const failure = serviceFailure(null, failedQuery('3D000', 'database "newcomer_ap" does not exist'));
    expect(failure).toBeInstanceOf(DatabaseFailedError);
    expect((failure as Error).message).toBe(
      'PostgreSQL refused the connection or could not be reached (database "newcomer_ap" does not exist): ' +
        'check the database given to SearchSyncModule (the connection it is made from, DATABASE_URL in ' +
        "the README's application: host, port, database name, user, password).",
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    expect((serviceFailure(null, refused) as Error).message).toMatch(
      /^PostgreSQL refused the connection or could not be reached \(connect ECONNREFUSED 127\.0\.0\.1:5433\)/,
    );
  });

  it("under a family's work, names the family and says its checkpoints are safe; a lost backend is no settings problem", () => {
    const failure = serviceFailure(
      'books',
      failedQuery('57P01', 'terminating connection due to administrator command'),
    );
    expect((failure as Error).message).toBe(
      'Family "books": PostgreSQL failed (terminating connection due to administrator command). No checkpoint ' +
        'moved past what was indexed: the next run resumes from them once the database answers again.',
    );
  });

  it('names OpenSearch, the node without its credentials, the status and the credentials to check for a 401', () => {
    const refused = new errors.ResponseError(
      answer('http://admin:secret@127.0.0.1:9200/', 401, 'Unauthorized'),
    );
    const failure = serviceFailure('books', refused);
    expect(failure).toBeInstanceOf(OpenSearchAuthError);
    expect(failure).toMatchObject({ node: 'http://127.0.0.1:9200', status: 401, cause: refused });
    expect((failure as Error).message).toBe(
      "OpenSearch at http://127.0.0.1:9200 refused the client (401 Unauthorized, authentication failed): check the client's " +
        'credentials (the `auth` of the `opensearch` option of SearchSyncModule, or the user and password in ' +
        'its node URL).',
    );
    // The security plugin's 403 names the permission; any other 403 (a cluster block) is not the client's.
    const forbidden = new errors.ResponseError(
      answer('https://node:9200/', 403, {
        error: { type: 'security_exception', reason: 'no permissions for [indices:data/write/bulk]' },
      }),
    );
    expect((serviceFailure(null, forbidden) as Error).message).toMatch(
      /^OpenSearch at https:\/\/node:9200 refused the client \(403 no permissions for \[indices:data\/write\/bulk\]\): check the client's credentials and the permissions of its user/,
    );
    const blocked = new errors.ResponseError(
      answer('https://node:9200/', 403, { error: { type: 'cluster_block_exception', reason: 'read-only' } }),
    );
    expect(serviceFailure(null, blocked)).toBe(blocked);
  });

  it('names OpenSearch and the node that did not answer', () => {
    const down = new errors.ConnectionError(
      'connect ECONNREFUSED 127.0.0.1:9299',
      answer('http://user:pw@127.0.0.1:9299/', null, null),
    );
    const failure = serviceFailure(null, down);
    expect(failure).toBeInstanceOf(ClusterUnavailableError);
    expect((failure as Error).message).toMatch(
      /^OpenSearch at http:\/\/127\.0\.0\.1:9299 did not answer \(connect ECONNREFUSED 127\.0\.0\.1:9299\)\. No checkpoint moved/,
    );
    expect((failure as Error).message).not.toContain('pw');
  });

  it("passes the library's own errors and anything else through", () => {
    const own = new SearchSyncError('already said');
    const other = new TypeError('a bug');
    expect(serviceFailure('books', own)).toBe(own);
    expect(serviceFailure('books', other)).toBe(other);
  });
});
