import type { Client } from '@opensearch-project/opensearch';
import { sql } from 'drizzle-orm';
import type { SyncExecutor } from '../database/database.type.js';
import { OpenSearchAuthError } from '../errors/opensearch-auth.error.js';
import { openSearchFailure } from '../errors/opensearch-failure.util.js';
import { SearchSyncError } from '../errors/search-sync.error.js';
import { messages } from '../errors/search-sync.messages.js';
import type { FamilyStatus } from '../nest/search-sync-status.interface.js';
import type {
  DependencyHealth,
  RelatedHealth,
  SearchSyncHealth,
  SearchSyncHealthOptions,
  VersionHealth,
} from './search-sync-health.interface.js';

export const DEFAULT_MAX_LAG_SECONDS = 300;
export const DEFAULT_HEALTH_TIMEOUT_MS = 5000;

/** What the check reads: the database and cluster the module uses, and the families' status. */
export interface SearchSyncHealthSource {
  readonly db: SyncExecutor;
  readonly client: Pick<Client, 'ping'>;
  readonly status: (families?: readonly string[]) => Promise<FamilyStatus[]>;
}

/**
 * Whether search-sync can do its work: PostgreSQL and OpenSearch answer, and no live or serving version
 * lags past `maxLagSeconds` (a backfilling version lags by design, and is left out). Never throws.
 */
export async function checkSearchSync(
  source: SearchSyncHealthSource,
  options: SearchSyncHealthOptions = {},
): Promise<SearchSyncHealth> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const bound = options.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS;
  // A cluster that answers but refuses the client's credentials is told as such, with what to check.
  let refused: OpenSearchAuthError | null = null;
  const [postgresql, opensearch] = await Promise.all([
    probe('PostgreSQL', timeoutMs, () => source.db.execute(sql`select 1`)),
    probe('OpenSearch', timeoutMs, async () => {
      const { body } = await source.client
        .ping({}, { requestTimeout: timeoutMs, maxRetries: 0 })
        .catch((error: unknown) => {
          const failure = openSearchFailure(error);
          if (failure instanceof OpenSearchAuthError) refused = failure;
          throw refused ?? error;
        });
      if (body !== true) throw new Error('the ping was not answered with 200');
    }),
  ]);
  const problems: string[] = [];
  if (postgresql.status === 'down') problems.push(messages.healthDatabaseDown(postgresql.message));
  if (opensearch.status === 'down') {
    problems.push(
      refused
        ? messages.healthClusterRefused(opensearch.message)
        : messages.healthClusterDown(opensearch.message),
    );
  }
  let versions: VersionHealth[] = [];
  let related: RelatedHealth[] = [];
  // Without the database there is no status to read: its being down is the problem already told.
  if (postgresql.status === 'up') {
    try {
      const status = await within('the status', timeoutMs, source.status(options.families));
      versions = liveVersions(status, bound);
      for (const v of versions) {
        if (v.status === 'down') {
          problems.push(messages.healthVersionLagging(v.family, v.version, v.index, v.lagSeconds, bound));
        }
      }
      related = status
        .filter((f) => f.related.tracked.length > 0)
        .map(({ family, related: { waiting, oldestSeconds } }) => ({
          family,
          waiting,
          oldestSeconds,
          status: (oldestSeconds ?? 0) > bound ? ('down' as const) : ('up' as const),
        }));
      for (const r of related) {
        if (r.status === 'down')
          problems.push(messages.healthRelatedWaiting(r.family, r.waiting, r.oldestSeconds ?? 0, bound));
      }
    } catch (error) {
      problems.push(messages.healthStatusUnavailable(describe(error)));
    }
  }
  return { healthy: problems.length === 0, postgresql, opensearch, versions, related, problems };
}

function liveVersions(status: readonly FamilyStatus[], bound: number): VersionHealth[] {
  return status.flatMap(({ family, versions }) =>
    versions
      .filter((v) => v.state === 'live' || v.state === 'serving')
      .map((v) => ({
        family,
        version: v.version,
        index: v.index,
        state: v.state,
        lagSeconds: v.lagSeconds,
        pendingChanges: v.pendingChanges,
        status: v.lagSeconds > bound ? ('down' as const) : ('up' as const),
      })),
  );
}

async function probe(
  what: string,
  timeoutMs: number,
  check: () => Promise<unknown>,
): Promise<DependencyHealth> {
  try {
    await within(what, timeoutMs, check());
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', message: describe(error) };
  }
}

/** `work`, or a rejection once `timeoutMs` has passed (the work itself goes on, and is ignored). */
async function within<T>(what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(messages.healthTimedOut(what, timeoutMs))), timeoutMs);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The library's own errors say already what their cause means.
  if (error instanceof SearchSyncError) return error.message;
  // Drivers put the useful part (ECONNREFUSED ...) in the cause or the code.
  const code = (error as { code?: unknown }).code;
  const detail = error.message || (typeof code === 'string' ? code : error.name);
  return error.cause instanceof Error && !detail.includes(error.cause.message)
    ? `${detail}: ${error.cause.message}`
    : detail;
}
