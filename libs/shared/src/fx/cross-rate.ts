import { z } from 'zod';
import { isCurrencyCode } from '../money/currency';
import { FxDecimal } from '../money/decimal';

/**
 * Reference mid rates against one pivot currency: `rates[X]` is how many units of X one unit of `base` buys.
 * Any other pair is a cross rate through the pivot.
 */
export interface RateSnapshot {
  /** The pivot currency every rate is quoted against. */
  base: string;
  rates: Readonly<Record<string, string>>;
  /** When the publisher fixed these rates, Unix ms. */
  asOf: number;
  /** Who published them (shown to operators). */
  source: string;
  /** True for a snapshot shipped with the service: it never goes stale, and says so. */
  static: boolean;
}

/** Significant digits of a mid rate (direct or cross); rounded to nearest, half-even. The customer rate is then floored. */
export const MID_RATE_SIGNIFICANT_DIGITS = 12;

/** A rate value: a positive decimal string without exponent. */
export const rateValueSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/)
  .refine((v) => new FxDecimal(v).gt(0), 'rate must be positive');

/** What a rates publisher returns (the shipped file and the HTTP feed share it). */
export const rateFeedSchema = z.object({
  source: z.string().min(1).max(2_000),
  base: z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 currency code'),
  /** ISO 8601 time (or date) the rates were fixed. */
  asOf: z.iso.datetime({ offset: true }).or(z.iso.date()),
  rates: z.record(
    z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 currency code'),
    rateValueSchema,
  ),
});
export type RateFeed = z.infer<typeof rateFeedSchema>;

/** Builds a snapshot from a validated feed; the base is pinned at exactly 1. */
export function snapshotFromFeed(feed: RateFeed, isStatic: boolean): RateSnapshot {
  const asOf = Date.parse(feed.asOf);
  if (Number.isNaN(asOf)) throw new RangeError(`unreadable asOf ${feed.asOf}`);
  const rate = feed.rates[feed.base];
  if (rate !== undefined && !new FxDecimal(rate).eq(1)) throw new RangeError(`the base ${feed.base} must be quoted at 1, not ${rate}`);
  return { base: feed.base, rates: { ...feed.rates, [feed.base]: '1' }, asOf, source: feed.source, static: isStatic };
}

/**
 * Mid rate source → target (target units per source unit) through the snapshot's pivot:
 * `rates[target] ÷ rates[source]`, rounded half-even to MID_RATE_SIGNIFICANT_DIGITS. Null when either side has no rate.
 */
export function crossRate(snapshot: RateSnapshot, source: string, target: string): string | null {
  const perPivotSource = snapshot.rates[source];
  const perPivotTarget = snapshot.rates[target];
  if (perPivotSource === undefined || perPivotTarget === undefined) return null;
  return new FxDecimal(perPivotTarget).dividedBy(perPivotSource).toSignificantDigits(MID_RATE_SIGNIFICANT_DIGITS, FxDecimal.ROUND_HALF_EVEN).toFixed();
}

/** Age of the snapshot at `now`, ms (negative if the publisher's clock runs ahead of ours). */
export function snapshotAgeMs(snapshot: RateSnapshot, now: number): number {
  return now - snapshot.asOf;
}

/** A live snapshot older than `maxAgeMs` must not price anything; a static one is never stale. */
export function isSnapshotStale(snapshot: RateSnapshot, now: number, maxAgeMs: number): boolean {
  return !snapshot.static && snapshotAgeMs(snapshot, now) > maxAgeMs;
}
