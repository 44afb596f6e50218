import { Logger } from './logger';
import { Pool, PoolClient } from './db';

const RECONNECT_DELAY_MS = 1_000;

/**
 * One Postgres connection carrying every LISTEN channel of the process (participant changes, webhooks, admin
 * request outcomes), instead of one connection each: connections are the scarce resource of a shared Postgres.
 * After the connection is lost it reconnects, re-LISTENs, and tells each subscriber (`onReconnect`) so it can
 * re-read whatever it may have missed.
 */
export class PgListener {
  private client: PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly handlers = new Map<string, { onNotify: (payload: string) => void; onReconnect?: () => void }[]>();

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  /** Subscribes to `channel` (an identifier we own; never user input). */
  async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const first = !this.handlers.has(channel);
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), { onNotify, onReconnect }]);
    await this.connect();
    if (first && this.client) await this.client.query(`LISTEN ${channel}`);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (n) => this.handlers.get(n.channel)?.forEach((h) => h.onNotify(n.payload ?? '')));
    client.on('error', (error) => this.lost(client, error));
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private lost(client: PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.release(true);
    if (this.closed) return;
    this.log.warn({ err: error }, 'LISTEN connection lost; reconnecting');
    const retry = (): void => {
      this.connect().then(
        () => this.handlers.forEach((list) => list.forEach((h) => h.onReconnect?.())),
        () => setTimeout(retry, RECONNECT_DELAY_MS).unref(),
      );
    };
    setTimeout(retry, RECONNECT_DELAY_MS).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client?.release();
    this.client = null;
  }
}
