import { STATUS_CODES } from 'node:http';
import { errors } from '@opensearch-project/opensearch';
import { ClusterUnavailableError } from './cluster-unavailable.error.js';
import { OpenSearchAuthError } from './opensearch-auth.error.js';

const UNREACHABLE = [errors.ConnectionError, errors.NoLivingConnectionsError, errors.TimeoutError];

/** The node a client error came from, as its URL without credentials; null when the client did not say. */
function nodeOf(error: errors.OpenSearchClientError): string | null {
  const meta = (error as { meta?: { meta?: { connection?: { url?: unknown } | null } } }).meta;
  const url = meta?.meta?.connection?.url;
  if (!(url instanceof URL)) return null;
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare.href.replace(/\/$/, '');
}

/** What a refusing node said: the security plugin's reason, its plain-text body, or the status's name. */
function refusal(error: errors.ResponseError): string {
  const { body, statusCode } = error.meta;
  const reason = (body as { error?: { reason?: unknown } } | null)?.error?.reason;
  if (typeof reason === 'string') return reason;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 200);
  return STATUS_CODES[statusCode ?? 0] ?? 'refused';
}

const refusesTheClient = (error: errors.ResponseError) =>
  error.statusCode === 401 ||
  (error.statusCode === 403 &&
    (error.meta.body as { error?: { type?: unknown } } | null)?.error?.type === 'security_exception');

/**
 * What a failure of the OpenSearch client becomes: a refusal of the client's credentials or permissions
 * an `OpenSearchAuthError`, no answer at all (refused, no living node, a timeout) a
 * `ClusterUnavailableError` naming the node; both say what to check. Anything else is passed on.
 */
export function openSearchFailure(error: unknown): unknown {
  if (error instanceof errors.ResponseError && refusesTheClient(error)) {
    return new OpenSearchAuthError(nodeOf(error), error.statusCode ?? 0, refusal(error), { cause: error });
  }
  if (UNREACHABLE.some((type) => error instanceof type)) {
    const failed = error as errors.OpenSearchClientError;
    return new ClusterUnavailableError(failed.message, { cause: error, node: nodeOf(failed) });
  }
  return error;
}
