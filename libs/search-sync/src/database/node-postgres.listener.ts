import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { type Backoff, backoffDelay } from '../utils/backoff.util.js';
import type { Listening } from './database-driver.interface.js';

/** Waits between attempts to listen again: a few hundred milliseconds at first, 30 s at most. */
const RECONNECT: Backoff = { baseDelayMs: 250, maxDelayMs: 30_000 };

/**
 * LISTEN on one `pg.Client` the library opens and owns (node-postgres has no listener of its own, and a
 * pool client held for it would take one of the application's connections for good). When the
 * connection drops, it listens again on a new client with backoff and full jitter until it is stopped;
 * `onListen` runs each time listening (re)starts, as postgres.js's `listen` does.
 */
export class NodePgListener implements Listening {
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  private constructor(
    private readonly connect: () => pg.Client,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onListen: () => void,
  ) {}

  /** Listens on a new client; rejects when this first attempt fails, so the caller can say why. */
  static async start(
    connect: () => pg.Client,
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ): Promise<NodePgListener> {
    const listener = new NodePgListener(connect, channel, onNotify, onListen);
    await listener.listen();
    return listener;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.reconnecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    // A lost connection is reported here and then ends the client; 'end' below listens again.
    client.on('error', () => {});
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotify(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(this.channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    client.once('end', () => {
      if (this.client === client) this.reconnecting = this.reconnect();
    });
    this.onListen();
  }

  private async reconnect(): Promise<void> {
    this.client = undefined;
    for (let attempt = 1; !this.stopped; attempt++) {
      await sleep(backoffDelay(RECONNECT, attempt), undefined, { signal: this.stopping.signal }).catch(
        () => {},
      );
      if (this.stopped) return;
      try {
        await this.listen();
        return;
      } catch {
        // The server is still away: the next attempt waits longer.
      }
    }
  }
}
