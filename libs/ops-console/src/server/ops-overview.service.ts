import { Logger } from '@nostro/platform';
import { OpsConsoleHost } from './ops-host.port';
import { OpsKafkaLag } from './ops-kafka-lag';
import { OpsLedgerClient } from './ops-ledger.client';
import { MinuteStats, OpsOverviewRepository } from './ops-overview.repository';
import { OpsPaymentsRepository } from './ops-payments.repository';

const MINUTE_MS = 60_000;
/** The charts cover the last hour, one point per minute. */
export const SERIES_MINUTES = 60;
/** Minutes recomputed on every refresh (rows arrive a little after their event time); older ones are cached. */
const HOT_MINUTES = 3;
/** Every so often the whole hour is recomputed, to take in rows that arrived very late. */
const FULL_RECOMPUTE_MS = 5 * MINUTE_MS;
/** Throughput and current latency percentiles are over this window. */
export const RECENT_WINDOW_MS = MINUTE_MS;
const KAFKA_CACHE_MS = 5_000;

type Part<T> = T | { unavailable: string };

/** Builds the overview (docs/ops-console.md, Overview). Each part that cannot be read says so instead of failing all. */
export class OpsOverviewService {
  private readonly minutes = new Map<number, MinuteStats>();
  private lastFullAt = 0;
  private kafkaCache: { at: number; value: Awaited<ReturnType<OpsKafkaLag['read']>> } | null = null;

  constructor(
    private readonly repo: OpsOverviewRepository,
    private readonly payments: OpsPaymentsRepository,
    private readonly ledger: OpsLedgerClient,
    private readonly kafka: OpsKafkaLag,
    private readonly host: OpsConsoleHost,
    private readonly log: Logger,
  ) {}

  async compute(now = Date.now()) {
    const [series, recent, inFlight, validators, kafka, webhooks] = await Promise.all([
      this.part('series', () => this.series(now)),
      this.part('recent', () => this.recent()),
      this.part('in-flight', () => this.payments.inFlight()),
      this.part('validators', () => this.validators()),
      this.part('kafka', () => this.kafkaLag(now)),
      this.part('webhooks', () => this.webhookHealth()),
    ]);
    return { at: new Date(now).toISOString(), seriesMinutes: SERIES_MINUTES, series, recent, inFlight, validators, kafka, webhooks };
  }

  private async part<T>(name: string, fn: () => Promise<T>): Promise<Part<T>> {
    try {
      return await fn();
    } catch (error) {
      this.log.warn({ err: error, part: name }, 'ops overview: part unavailable');
      return { unavailable: (error as Error).message };
    }
  }

  private async series(now: number): Promise<MinuteStats[]> {
    const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const first = current - (SERIES_MINUTES - 1) * MINUTE_MS;
    for (const key of this.minutes.keys()) if (key < first) this.minutes.delete(key);
    const full = now - this.lastFullAt >= FULL_RECOMPUTE_MS || !this.minutes.has(first);
    const from = full ? first : Math.max(first, current - (HOT_MINUTES - 1) * MINUTE_MS);
    const fresh = await this.repo.minutes(new Date(from), new Date(current + MINUTE_MS));
    for (let m = from; m <= current; m += MINUTE_MS) this.minutes.set(m, { minute: m, counts: {}, latencyMs: null });
    for (const m of fresh) this.minutes.set(m.minute, m);
    if (full) this.lastFullAt = now;
    const out: MinuteStats[] = [];
    for (let m = first; m <= current; m += MINUTE_MS) out.push(this.minutes.get(m) ?? { minute: m, counts: {}, latencyMs: null });
    return out;
  }

  private async recent() {
    const r = await this.repo.recent(RECENT_WINDOW_MS);
    // a rate for display, not money: a number is fine
    return { windowS: RECENT_WINDOW_MS / 1000, ...r, settledPerS: Math.round((r.settled / (RECENT_WINDOW_MS / 1000)) * 100) / 100 };
  }

  private async validators() {
    const statuses = await this.ledger.statuses();
    const top = Math.max(0, ...statuses.map((s) => s.height ?? 0));
    return statuses.map((s) => ({
      validator: s.validator,
      up: s.up,
      height: s.height,
      finalHeight: s.finalHeight,
      finalityLagBlocks: s.height !== null && s.finalHeight !== null ? s.height - s.finalHeight : null,
      behindBlocks: s.height !== null ? top - s.height : null,
      halted: s.halted,
    }));
  }

  private async kafkaLag(now: number) {
    if (this.kafkaCache && now - this.kafkaCache.at < KAFKA_CACHE_MS) return this.kafkaCache.value;
    const value = await this.kafka.read();
    this.kafkaCache = { at: now, value };
    return value;
  }

  private async webhookHealth() {
    const { data } = await this.host.webhookEndpoints();
    const failing = data.filter((e) => e.state === 'failing');
    return {
      endpoints: data.length,
      failing: failing.length,
      pending: data.reduce((s, e) => s + e.pending, 0),
      abandoned: data.reduce((s, e) => s + e.abandoned, 0),
      failingEndpoints: failing
        .slice(0, 20)
        .map((e) => ({ participant: e.participant, pending: e.pending, abandoned: e.abandoned, maxAttempts: e.maxAttempts, lastError: e.lastError })),
    };
  }

  async close(): Promise<void> {
    await this.kafka.close();
  }
}
