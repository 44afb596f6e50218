import { Logger, counter } from '@nostro/platform';
import { rateFeedSchema, snapshotFromFeed } from '@nostro/shared';
import { Gauge, register } from 'prom-client';
import { CrossRateCache, RatesProvider, RatesStatus, describeSnapshot, usableSnapshot } from './rates.provider';

const pollFailures = counter('fx_rates_poll_failures_total', 'Polls of the live rates endpoint that failed, by reason', ['reason']);
const ageGauge =
  (register.getSingleMetric('fx_rates_age_seconds') as Gauge | undefined) ??
  new Gauge({ name: 'fx_rates_age_seconds', help: 'Age of the reference rates in use, by the publisher asOf time' });

/** A publisher clock this far ahead of ours is accepted; further ahead, the feed is refused as implausible. */
const FUTURE_SKEW_MS = 5_000;
/** Largest response read from the rates endpoint. */
const BODY_MAX_BYTES = 1024 * 1024;

export interface HttpRatesOptions {
  url: string;
  pollMs: number;
  maxAgeMs: number;
  log: Logger;
}

/**
 * Polls a rates endpoint (`{ source, base, asOf, rates }`, rates against `base`) every `pollMs`. A failed poll
 * keeps the last good snapshot, which then ages; once older than `maxAgeMs` by its own `asOf`, every price on
 * it is refused with rate_stale rather than quietly used.
 */
export class HttpRatesProvider implements RatesProvider {
  private rates: CrossRateCache | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly options: HttpRatesOptions) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One poll; concurrent callers share it. Resolves when it finished, successfully or not. */
  poll(): Promise<void> {
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    const { url, pollMs, log } = this.options;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(pollMs, 5_000)), headers: { accept: 'application/json' } });
      if (!response.ok) return this.failed('http_status', `rates endpoint answered ${response.status}`);
      const text = await response.text();
      if (text.length > BODY_MAX_BYTES) return this.failed('too_large', 'rates response above 1 MiB');
      const parsed = rateFeedSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        return this.failed('invalid', `rates response refused: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      const snapshot = snapshotFromFeed(parsed.data, false);
      if (snapshot.asOf > Date.now() + FUTURE_SKEW_MS) return this.failed('future', `rates dated ${parsed.data.asOf}, ahead of this clock`);
      if (this.rates && snapshot.asOf < this.rates.snapshot.asOf) return this.failed('older', 'rates older than the ones in use');
      if (!this.rates || snapshot.asOf !== this.rates.snapshot.asOf) log.info({ asOf: parsed.data.asOf, base: snapshot.base }, 'reference rates updated');
      this.rates = new CrossRateCache(snapshot);
    } catch (error) {
      this.failed(error instanceof SyntaxError ? 'invalid' : 'unreachable', `rates endpoint ${url}: ${(error as Error).message}`);
    } finally {
      if (this.rates) ageGauge.set((Date.now() - this.rates.snapshot.asOf) / 1000);
    }
  }

  private failed(reason: string, message: string): void {
    pollFailures.labels(reason).inc();
    this.options.log.warn({ reason }, message);
  }

  midRate(source: string, target: string, now: number): string | null {
    return usableSnapshot(this.rates, now, this.options.maxAgeMs).midRate(source, target);
  }

  status(now: number): RatesStatus {
    return describeSnapshot('http', this.rates, now, this.options.maxAgeMs);
  }
}
