import type { LoaderEvent } from '../events/sync-event.interface.js';
import type { BulkRequest } from './bulk.request.js';

type Observe = ((event: LoaderEvent) => void) | undefined;

/** Sends a bulk request, telling the observer (if any) how long it took and how it was answered. */
export async function timed<T extends { statusCode?: number | null }>(
  observe: Observe,
  request: BulkRequest,
  send: () => Promise<T>,
): Promise<T> {
  if (!observe) return send();
  const started = performance.now();
  const done = (status: number | null) =>
    observe({
      type: 'bulk-request',
      durationSeconds: (performance.now() - started) / 1000,
      status,
      operations: request.items.length,
      bytes: request.bytes,
    });
  try {
    const response = await send();
    // A request that resolves was answered with a 2xx; a test double may not say which.
    done(response.statusCode ?? 200);
    return response;
  } catch (error) {
    done((error as { statusCode?: number }).statusCode ?? null);
    throw error;
  }
}

/** One `bulk-retry` event per status among the items about to be sent again. */
export function observeRetries(
  observe: NonNullable<Observe>,
  retry: readonly { readonly outcome: { readonly status: number | null } }[],
): void {
  const items = new Map<number | null, number>();
  for (const { outcome } of retry) items.set(outcome.status, (items.get(outcome.status) ?? 0) + 1);
  for (const [status, count] of items) observe({ type: 'bulk-retry', status, items: count });
}
