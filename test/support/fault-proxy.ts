import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  readonly url: string;
  /** Share (0..1) of bulk items answered with one of `faultStatuses` without reaching OpenSearch. */
  faultShare: number;
  /** The statuses a faulted item is answered with, one drawn at random per item. Default 429 and 503. */
  faultStatuses: readonly number[];
  /** Items faulted so far. */
  readonly faulted: number;
  /** Share (0..1) of `_bulk` requests answered whole with a 429 (the write queue is full) without reaching OpenSearch. */
  requestFaultShare: number;
  /** Requests answered whole with a 429 so far. */
  readonly requestsFaulted: number;
  /** How long each `_bulk` request is held before it is forwarded: a slow cluster. */
  bulkDelayMs: number;
  /** `_bulk` requests received so far. */
  readonly bulkRequests: number;
  /**
   * Whether every request is answered 401 without reaching OpenSearch, as the security plugin answers a
   * client whose credentials it refuses (a password rotated under a running application).
   */
  refuseCredentials: boolean;
  /** Stops listening: clients get connection refused, as with a node that is down. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  open(): Promise<void>;
}

/**
 * A fault-injecting HTTP proxy in front of the real node. For `_bulk` requests it removes a share of
 * the operations before forwarding, and splices 429/503 item errors for them into the real response,
 * so a faulted document is genuinely not indexed unless the client retries it.
 */
export async function startFaultProxy(target: string, faultShare = 0): Promise<FaultProxy> {
  const upstream = new URL(target);
  let faulted = 0;
  let requestsFaulted = 0;
  let bulkRequests = 0;
  let port = 0;
  let server: Server;

  const forward = (method: string, path: string, headers: Record<string, unknown>, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: {
            ...headers,
            host: upstream.host,
            'content-length': body.length,
            'accept-encoding': 'identity',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const handler = async (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (state.refuseCredentials) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="OpenSearch Security"',
        'content-type': 'text/plain; charset=UTF-8',
      });
      res.end('Unauthorized');
      return;
    }
    let body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const headers = { ...req.headers } as Record<string, unknown>;
    delete headers['content-length'];
    const isBulk = req.method === 'POST' && url.split('?')[0].endsWith('/_bulk');
    if (isBulk) {
      bulkRequests++;
      if (state.bulkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.bulkDelayMs));
      if (Math.random() < state.requestFaultShare) {
        requestsFaulted++;
        const error = { type: 'rejected_execution_exception', reason: 'fault proxy: write queue full' };
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { root_cause: [error], ...error }, status: 429 }));
        return;
      }
    }
    const faults = new Map<number, number>();
    let kept: string[][] = [];
    if (isBulk && state.faultShare > 0) {
      const lines = body.toString('utf8').split('\n').filter(Boolean);
      const ops: string[][] = [];
      for (let i = 0; i < lines.length; i++) {
        const action = Object.keys(JSON.parse(lines[i]))[0];
        ops.push(action === 'delete' ? [lines[i]] : [lines[i], lines[++i]]);
      }
      for (let i = 0; i < ops.length; i++) {
        if (Math.random() < state.faultShare) {
          faults.set(i, state.faultStatuses[Math.floor(Math.random() * state.faultStatuses.length)]);
        }
      }
      kept = ops.filter((_, i) => !faults.has(i));
      body = Buffer.from(kept.map((op) => `${op.join('\n')}\n`).join(''));
      faulted += faults.size;
      if (kept.length === 0) {
        const items = [...faults.values()].map((status) => ({
          index: { status, error: { type: 'injected', reason: 'fault proxy' } },
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: true, items }));
        return;
      }
    }
    try {
      const answer = await forward(req.method ?? 'GET', url, headers, body);
      let out = answer.body;
      if (faults.size > 0 && answer.status === 200) {
        const parsed = JSON.parse(out.toString('utf8')) as { errors?: boolean; items: unknown[] };
        const items: unknown[] = [];
        let next = 0;
        const total = parsed.items.length + faults.size;
        for (let i = 0; i < total; i++) {
          const status = faults.get(i);
          items.push(
            status
              ? { index: { status, error: { type: 'injected', reason: 'fault proxy' } } }
              : parsed.items[next++],
          );
        }
        out = Buffer.from(JSON.stringify({ ...parsed, errors: true, items }));
      }
      const outHeaders: Record<string, unknown> = { ...answer.headers, 'content-length': out.length };
      delete outHeaders['transfer-encoding'];
      res.writeHead(answer.status, outHeaders as Record<string, string | number>);
      res.end(out);
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
    }
  };

  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => void handler(req, res));
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  const state: FaultProxy = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    faultShare,
    faultStatuses: [429, 503],
    get faulted() {
      return faulted;
    },
    requestFaultShare: 0,
    get requestsFaulted() {
      return requestsFaulted;
    },
    bulkDelayMs: 0,
    refuseCredentials: false,
    get bulkRequests() {
      return bulkRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    open: listen,
  };
  await listen();
  return state;
}
