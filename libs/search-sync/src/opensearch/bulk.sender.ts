import type { Client } from '@opensearch-project/opensearch';
import type { Bulk_RequestBody } from '@opensearch-project/opensearch/api/index.js';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import type { LoaderEvent } from '../events/sync-event.interface.js';
import {
  type BulkItemResponse,
  classifyItem,
  type ItemOutcome,
  isRetryableRequestError,
  REQUEST_FAILED,
  requestRefusal,
} from './bulk.classify.js';
import { timed } from './bulk.observe.js';
import { type BulkRequest, part } from './bulk.request.js';

// Only what classification needs: a clean response carries a status per item and nothing else.
const FILTER_PATH = 'errors,items.*.status,items.*.error';

/** opensearch-js's own default, for a client that does not say. */
const CLIENT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The server-side `timeout` of a bulk (how long OpenSearch waits for an unavailable primary before it
 * answers the item 503 `unavailable_shards_exception`): half the client's request timeout. OpenSearch's
 * default, one minute, outlives the client's 30 s: the client would give up, mark a healthy node dead
 * and send the whole request again while the first still waits, instead of getting an answer per item.
 */
function serverTimeout(client: Client): string {
  const configured = Number(
    (client as { transport?: { requestTimeout?: unknown } }).transport?.requestTimeout,
  );
  const requestTimeout = configured > 0 ? configured : CLIENT_REQUEST_TIMEOUT_MS;
  return `${Math.max(1, Math.floor(requestTimeout / 2))}ms`;
}

/**
 * Sends one bulk request and says how each of its operations ended. A request that fails whole for a
 * transient reason fails each of its operations the same way; one refused whole for what it holds is
 * split until the refused operations stand alone.
 */
export class BulkSender {
  private readonly timeout: string;

  constructor(
    private readonly client: Client,
    private readonly observe?: (event: LoaderEvent) => void,
    /** Called synchronously just before each request goes out (split halves too); what it throws stops the load. */
    private readonly beforeSend?: () => void,
  ) {
    this.timeout = serverTimeout(client);
  }

  async send(request: BulkRequest): Promise<ItemOutcome[]> {
    const { items } = request;
    this.beforeSend?.();
    try {
      // The client sends a string body as it is: operations are serialised once, when planned.
      const body = request.body as unknown as Bulk_RequestBody;
      const response = await timed(this.observe, request, () =>
        this.client.bulk({ body, filter_path: FILTER_PATH, timeout: this.timeout }),
      );
      const answers = (response.body as { items?: Record<string, BulkItemResponse>[] }).items ?? [];
      if (answers.length !== items.length) {
        throw new ClusterUnavailableError(
          `a bulk response held ${answers.length} items for ${items.length} operations`,
        );
      }
      return answers.map((answer, i) => classifyItem(items[i].op.action, Object.values(answer)[0]));
    } catch (error) {
      const refused = requestRefusal(error);
      if (refused) return this.isolate(request, refused);
      if (!isRetryableRequestError(error)) throw error;
      const status = (error as { statusCode?: number }).statusCode ?? null;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return items.map(() => ({ kind: 'retryable', status, errorType: REQUEST_FAILED, reason }));
    }
  }

  /**
   * A request refused whole (an `_id` or a line OpenSearch cannot take fails every operation in it) is
   * split in halves and sent again until the refused operations stand alone: they are rejected, and
   * the others go through. One bad row never blocks the rest.
   */
  private async isolate(request: BulkRequest, refused: ItemOutcome & { kind: 'rejected' }) {
    if (request.items.length === 1) return [refused];
    const half = Math.ceil(request.items.length / 2);
    // One after the other: the halves share the request's slot among those in flight.
    const first = await this.send(part(request, 0, half));
    const second = await this.send(part(request, half, request.items.length));
    return [...first, ...second];
  }
}
