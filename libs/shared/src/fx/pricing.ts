import { assert } from '../assert';
import { CurrencyCode } from '../money/currency';
import { FxDecimal, fromMinorUnits, toMinorUnits } from '../money/decimal';

/** A corridor's price configuration. Fees are charged on top, in the source currency. */
export interface CorridorPricing {
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  /** Reference rate, target units per source unit, as a decimal string. */
  midRate: string;
  /** Spread taken from the mid rate, in basis points. */
  spreadBps: number;
  /** Fixed fee in source minor units. */
  fixedFeeMinor: bigint;
  /** Percentage fee in basis points of the send amount, rounded up to the source minor unit. */
  percentFeeBps: number;
}

export type QuoteTarget = { sendMinor: bigint } | { receiveMinor: bigint };

export interface Fee {
  type: 'fixed' | 'percentage';
  minor: bigint;
}

export interface PricedQuote {
  midRate: string;
  rate: string;
  markupBps: string;
  sendMinor: bigint;
  receiveMinor: bigint;
  fees: Fee[];
  totalDebitMinor: bigint;
}

/** Significant digits of the customer rate; the rate is rounded down (in the network's favour) to them. */
export const RATE_SIGNIFICANT_DIGITS = 10;

/**
 * Largest amount, in minor units of either side, that is priced. With FxDecimal's 40 significant digits, every
 * product and quotient below 10²⁸ keeps at least 12 fraction digits, so floor and ceil are taken on exact values.
 */
export const PRICING_MINOR_MAX = 10n ** 28n;

/** An amount too large to price exactly (far above any corridor's maximum). */
export class PricingRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'PricingRangeError';
  }
}

function assertPriceable(minor: bigint, what: string): void {
  if (minor < 0n || minor >= PRICING_MINOR_MAX) throw new PricingRangeError(`${what} is outside 0 … 10^28 minor units`);
}

/** All-in customer rate: mid × (1 − spread), rounded DOWN to RATE_SIGNIFICANT_DIGITS. */
export function customerRate(midRate: string, spreadBps: number): FxDecimal {
  const mid = new FxDecimal(midRate);
  if (!mid.isFinite() || mid.lte(0)) throw new RangeError('mid rate must be a positive decimal');
  if (!Number.isInteger(spreadBps) || spreadBps < 0 || spreadBps >= 10_000) throw new RangeError('spread out of range');
  const raw = mid.times(new FxDecimal(10_000 - spreadBps)).dividedBy(10_000);
  return raw.toSignificantDigits(RATE_SIGNIFICANT_DIGITS, FxDecimal.ROUND_DOWN);
}

/**
 * Prices a quote exactly as API.md says:
 *  - by send amount: receive = floor(send × rate) in target minor units;
 *  - by receive amount: send = ceil(receive ÷ rate) in source minor units;
 *  - percentage fee = ceil(send × bps / 10 000) in source minor units, fixed fee exact;
 *  - totalDebit = send + Σ fees.
 */
export function priceQuote(pricing: CorridorPricing, target: QuoteTarget): PricedQuote {
  const rate = customerRate(pricing.midRate, pricing.spreadBps);
  const { sourceCurrency: src, targetCurrency: dst } = pricing;
  let sendMinor: bigint;
  let receiveMinor: bigint;
  if ('sendMinor' in target) {
    sendMinor = target.sendMinor;
    assertPriceable(sendMinor, 'send amount');
    receiveMinor = toMinorUnits(fromMinorUnits(sendMinor, src).times(rate), dst, 'floor');
  } else {
    receiveMinor = target.receiveMinor;
    assertPriceable(receiveMinor, 'receive amount');
    sendMinor = toMinorUnits(fromMinorUnits(receiveMinor, dst).dividedBy(rate), src, 'ceil');
    assertPriceable(sendMinor, 'send amount');
  }
  // The network never creates money: what is paid out is covered by what is sent, at the all-in rate.
  assert(fromMinorUnits(receiveMinor, dst).lte(fromMinorUnits(sendMinor, src).times(rate)), 'receive amount exceeds send × rate');
  const fees = computeFees(pricing, sendMinor);
  const totalDebitMinor = fees.reduce((sum, fee) => sum + fee.minor, sendMinor);
  const mid = new FxDecimal(pricing.midRate);
  const markupBps = mid.minus(rate).dividedBy(mid).times(10_000).toDecimalPlaces(2, FxDecimal.ROUND_UP);
  return {
    midRate: mid.toFixed(),
    rate: rate.toFixed(),
    markupBps: markupBps.toFixed(2),
    sendMinor,
    receiveMinor,
    fees,
    totalDebitMinor,
  };
}

function computeFees(pricing: CorridorPricing, sendMinor: bigint): Fee[] {
  const fees: Fee[] = [];
  if (pricing.fixedFeeMinor > 0n) fees.push({ type: 'fixed', minor: pricing.fixedFeeMinor });
  if (pricing.percentFeeBps > 0) {
    const pct = new FxDecimal(sendMinor.toString()).times(pricing.percentFeeBps).dividedBy(10_000);
    fees.push({ type: 'percentage', minor: BigInt(pct.toDecimalPlaces(0, FxDecimal.ROUND_CEIL).toFixed(0)) });
  }
  return fees;
}
