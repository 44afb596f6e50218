import { ConfigError } from '@nostro/platform';
import { RateSnapshot, crossRate, isSnapshotStale, rateValueSchema, snapshotAgeMs } from '@nostro/shared';
import fs from 'node:fs';
import { z } from 'zod';
import { QuoteError } from './quote.errors';

export interface RatesStatus {
  provider: 'static' | 'http';
  source: string | null;
  base: string | null;
  asOf: string | null;
  static: boolean;
  ageMs: number | null;
  stale: boolean;
}

/** Reference mid rates, target units per source unit. */
export interface RatesProvider {
  /** The mid rate in force at `now`, or null when either currency has no rate; throws QuoteError rate_stale. */
  midRate(source: string, target: string, now: number): string | null;
  status(now: number): RatesStatus;
  start(): void;
  stop(): void;
}

/** Cross rates of one snapshot, computed once per pair. */
export class CrossRateCache {
  private readonly pairs = new Map<string, string | null>();

  constructor(readonly snapshot: RateSnapshot) {}

  midRate(source: string, target: string): string | null {
    const key = `${source}>${target}`;
    let rate = this.pairs.get(key);
    if (rate === undefined) {
      rate = crossRate(this.snapshot, source, target);
      this.pairs.set(key, rate);
    }
    return rate;
  }
}

/** Refuses a live snapshot older than `maxAgeMs`; a missing one is stale too. */
export function usableSnapshot(rates: CrossRateCache | null, now: number, maxAgeMs: number): CrossRateCache {
  if (!rates) throw new QuoteError('rate_stale', 'no reference rates have been received yet');
  if (isSnapshotStale(rates.snapshot, now, maxAgeMs)) {
    const ageS = Math.floor(snapshotAgeMs(rates.snapshot, now) / 1000);
    throw new QuoteError('rate_stale', `the reference rates are ${ageS} s old (limit ${Math.floor(maxAgeMs / 1000)} s); no quote is priced on them`);
  }
  return rates;
}

export function describeSnapshot(provider: 'static' | 'http', rates: CrossRateCache | null, now: number, maxAgeMs: number): RatesStatus {
  const s = rates?.snapshot;
  return {
    provider,
    source: s?.source ?? null,
    base: s?.base ?? null,
    asOf: s ? new Date(s.asOf).toISOString() : null,
    static: s?.static ?? false,
    ageMs: s ? snapshotAgeMs(s, now) : null,
    stale: !s || isSnapshotStale(s, now, maxAgeMs),
  };
}

/** The shipped file: a dated snapshot of published reference rates against its base. */
const ratesFileSchema = z.strictObject({
  source: z.string().min(1),
  date: z.iso.date(),
  base: z.string(),
  static: z.literal(true),
  rates: z.record(z.string(), rateValueSchema),
});

/** Rates from a file shipped with the service (a dated snapshot of published reference rates); never stale, marked static. */
export class StaticRatesProvider implements RatesProvider {
  private readonly rates: CrossRateCache;

  constructor(path: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`invalid configuration: FX_RATES_FILE: cannot read ${path} (${(error as Error).message})`);
    }
    const result = ratesFileSchema.safeParse(parsed);
    if (!result.success) throw new ConfigError(`invalid configuration: FX_RATES_FILE: ${result.error.issues[0]?.message}`);
    const file = result.data;
    this.rates = new CrossRateCache({
      base: file.base,
      rates: { ...file.rates, [file.base]: '1' },
      asOf: Date.parse(file.date),
      source: file.source,
      static: true,
    });
  }

  midRate(source: string, target: string): string | null {
    return this.rates.midRate(source, target);
  }

  status(now: number): RatesStatus {
    return describeSnapshot('static', this.rates, now, Number.POSITIVE_INFINITY);
  }

  /** Nothing to poll: the snapshot is fixed at start-up. */
  start(): void {
    return undefined;
  }

  stop(): void {
    return undefined;
  }
}
