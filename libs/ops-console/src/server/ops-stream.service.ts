import { OnModuleDestroy } from '@nestjs/common';
import { Logger, Pool, PoolClient } from '@nostro/platform';
import type { ServerResponse } from 'node:http';
import { OpsOverviewService } from './ops-overview.service';
import { OpsPaymentsRepository } from './ops-payments.repository';
import { OpsSessionService } from './ops-session.service';
import { paymentSummaryView } from './ops-views';
import { OpsConfig } from './ops.config';
import { opsProblem } from './ops.errors';

export const PAYMENT_CHANGES_CHANNEL = 'ops_payment_changes';
/** Status changes are gathered this long, then read in one query and pushed together. */
const FLUSH_MS = 200;
/** Changed payments read per flush at most; beyond that the consoles are told to reload their lists. */
const FLUSH_BATCH_MAX = 500;
const HEARTBEAT_MS = 15_000;
/** A client that has this much unsent data is too slow and is disconnected (it reconnects and catches up). */
const CLIENT_BUFFER_MAX_BYTES = 1024 * 1024;

interface StreamClient {
  raw: ServerResponse;
  idHash: string;
}

/**
 * Server-sent events for every open console (`GET /ops/api/stream`): `overview` every OPS_OVERVIEW_REFRESH_MS,
 * `payment` for each status change (woken by the payment_timeline trigger's NOTIFY), `session` when the session
 * ended. One LISTEN connection and one overview computation per gateway process, whatever the number of consoles.
 */
export class OpsStreamService implements OnModuleDestroy {
  private readonly clients = new Set<StreamClient>();
  private listener: PoolClient | null = null;
  private listening: Promise<void> | null = null;
  /** Transitions not yet pushed, in commit order: `<uetr> <status>` (a set, so a repeat is not pushed twice). */
  private readonly pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private overview: { at: number; value: unknown } | null = null;
  private computing: Promise<unknown> | null = null;
  private closed = false;

  constructor(
    private readonly config: OpsConfig,
    private readonly pool: Pool,
    private readonly payments: OpsPaymentsRepository,
    private readonly overviews: OpsOverviewService,
    private readonly sessions: OpsSessionService,
    private readonly log: Logger,
  ) {}

  /** The latest overview, recomputed when older than the refresh interval (one computation at a time). */
  async currentOverview(): Promise<unknown> {
    if (this.overview && Date.now() - this.overview.at < this.config.overviewRefreshMs) return this.overview.value;
    this.computing ??= this.overviews
      .compute()
      .then((value) => {
        this.overview = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        this.computing = null;
      });
    return this.computing;
  }

  /** Refuses one stream too many (before the response is taken over, so the refusal is a normal problem). */
  assertCapacity(): void {
    if (this.closed || this.clients.size >= this.config.streamClientsMax) {
      throw opsProblem('too_many_streams', `this gateway serves at most ${this.config.streamClientsMax} live consoles`, undefined, { 'retry-after': '5' });
    }
  }

  /** Takes over the response (already hijacked from Fastify) as an event stream. */
  open(raw: ServerResponse, idHash: string): void {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    raw.write(`retry: 2000\n\n`);
    const client = { raw, idHash };
    this.clients.add(client);
    raw.on('close', () => this.clients.delete(client));
    this.start();
    void this.currentOverview().then(
      (value) => this.send(client, 'overview', value),
      (error: unknown) => this.log.warn({ err: error }, 'ops stream: first overview failed'),
    );
  }

  private start(): void {
    this.listening ??= this.listen().catch((error: unknown) => {
      this.log.warn({ err: error }, 'ops stream: LISTEN failed; retrying on the next refresh');
      this.listening = null;
    });
    this.tickTimer ??= setInterval(() => void this.tick(), this.config.overviewRefreshMs);
    this.heartbeatTimer ??= setInterval(() => this.broadcastRaw(': ping\n\n'), HEARTBEAT_MS);
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (n) => this.onChange(n.payload ?? ''));
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'ops stream: listener connection lost');
      this.dropListener(true);
    });
    // eslint-disable-next-line no-restricted-syntax -- LISTEN on this connection, not SQL of a table
    await client.query(`LISTEN ${PAYMENT_CHANGES_CHANNEL}`);
    this.listener = client;
  }

  private dropListener(broken: boolean): void {
    const l = this.listener;
    this.listener = null;
    this.listening = null;
    if (l) l.release(broken ? new Error('listener lost') : undefined);
  }

  private onChange(payload: string): void {
    const [uetr, status] = payload.split(' ');
    if (!uetr || !status) return;
    this.pending.add(`${uetr} ${status}`);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    if (this.pending.size === 0) return;
    if (this.pending.size > FLUSH_BATCH_MAX) {
      this.pending.clear();
      this.broadcast('reload', { reason: 'more than ' + FLUSH_BATCH_MAX + ' payments changed at once' });
      return;
    }
    const transitions = [...this.pending].map((t) => t.split(' ') as [string, string]);
    this.pending.clear();
    try {
      const rows = new Map((await this.payments.summaries([...new Set(transitions.map(([u]) => u))])).map((r) => [r.uetr, paymentSummaryView(r)]));
      // one event per transition, in the order they committed, so a console shows every step a payment took
      for (const [uetr, reached] of transitions) {
        const payment = rows.get(uetr);
        if (payment) this.broadcast('payment', { reached, payment });
      }
    } catch (error) {
      this.log.warn({ err: error }, 'ops stream: could not read changed payments');
    }
  }

  /** Every refresh: end streams whose session ended, keep the live ones' sessions from going idle, push the overview. */
  private async tick(): Promise<void> {
    if (this.clients.size === 0) return this.stopTimers();
    if (!this.listener && !this.listening) this.start();
    try {
      const valid = await this.sessions.refresh([...new Set([...this.clients].map((c) => c.idHash))]);
      for (const c of this.clients) {
        if (valid.has(c.idHash)) continue;
        this.send(c, 'session', { state: 'ended' });
        c.raw.end();
        this.clients.delete(c);
      }
      if (this.clients.size > 0) this.broadcast('overview', await this.currentOverview());
    } catch (error) {
      this.log.warn({ err: error }, 'ops stream: refresh failed');
    }
  }

  private stopTimers(): void {
    for (const t of [this.tickTimer, this.heartbeatTimer]) if (t) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.tickTimer = this.heartbeatTimer = this.flushTimer = null;
    this.pending.clear();
    this.dropListener(false);
  }

  private send(c: StreamClient, event: string, data: unknown): void {
    this.write(c, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcast(event: string, data: unknown): void {
    this.broadcastRaw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcastRaw(text: string): void {
    for (const c of this.clients) this.write(c, text);
  }

  private write(c: StreamClient, text: string): void {
    if (c.raw.writableEnded) return;
    if (c.raw.writableLength > CLIENT_BUFFER_MAX_BYTES) {
      c.raw.destroy();
      this.clients.delete(c);
      return;
    }
    c.raw.write(text);
  }

  /** Ends every stream before the HTTP server closes (it would otherwise wait for them until the shutdown timeout). */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
    this.stopTimers();
    await this.overviews.close();
  }
}
