import type { Client } from '@opensearch-project/opensearch';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';

export interface SentOperation {
  readonly action: string;
  readonly id: string;
  readonly version: number;
}

/** An item's status, with the error type OpenSearch gives it (`type_<status>` when only a status is given). */
type ItemAnswer = number | { readonly status: number; readonly type: string };

/** Statuses per operation, or an error for the whole request; may take its time (a slow cluster). */
type Answer = (ops: SentOperation[]) => ItemAnswer[] | Error | Promise<ItemAnswer[] | Error>;

/**
 * A client whose bulk answers come from `answer`, recording every request it gets and the most requests
 * it ever had in flight at once.
 */
export function fakeClient(answer: Answer, options: { requestTimeout?: number } = {}) {
  const requests: SentOperation[][] = [];
  const bodies: string[] = [];
  /** The query parameters of each request, the body and the client's own options aside. */
  const params: Record<string, unknown>[] = [];
  const load = { inFlight: 0, mostInFlight: 0 };
  const client = {
    transport: { requestTimeout: options.requestTimeout ?? 30_000 },
    async bulk({ body, ...rest }: { body: string }) {
      bodies.push(body);
      params.push(rest);
      const lines = body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const ops: SentOperation[] = [];
      for (let i = 0; i < lines.length; i++) {
        const [action, meta] = Object.entries(lines[i])[0] as [string, { _id: string; version: number }];
        ops.push({ action, id: meta._id, version: meta.version });
        if (action === 'index') i++;
      }
      requests.push(ops);
      load.inFlight++;
      load.mostInFlight = Math.max(load.mostInFlight, load.inFlight);
      const statuses = await Promise.resolve(answer(ops)).finally(() => load.inFlight--);
      if (statuses instanceof Error) throw statuses;
      return {
        body: {
          items: statuses.map((item, i) => {
            const { status, type } = typeof item === 'number' ? { status: item, type: `type_${item}` } : item;
            return {
              [ops[i].action]:
                status < 300 ? { status } : { status, error: { type, reason: `reason ${status}` } },
            };
          }),
        },
      };
    },
  };
  return { client: client as unknown as Client, requests, bodies, params, load };
}

export const ops = (n: number, action: 'index' | 'delete' = 'index'): IndexOperation[] =>
  Array.from({ length: n }, (_, i) => ({
    version: 1,
    index: 'idx',
    id: String(i),
    action,
    rowVersion: 100 + i,
    document: action === 'index' ? { n: i, text: 'x'.repeat(100) } : undefined,
  }));
