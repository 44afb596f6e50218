import Decimal from 'decimal.js';
import { CurrencyCode, minorUnits } from './currency';

/**
 * The one Decimal constructor for FX arithmetic: 40 significant digits. Its default rounding (half-even) only
 * applies to intermediate results beyond 40 digits; every conversion to money names its direction explicitly.
 */
export const FxDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type FxDecimal = InstanceType<typeof FxDecimal>;

/** Rounding directions a money conversion may name. */
export type RoundingDirection = 'floor' | 'ceil';

const MODE: Record<RoundingDirection, Decimal.Rounding> = {
  floor: Decimal.ROUND_FLOOR,
  ceil: Decimal.ROUND_CEIL,
};

/** Major-unit decimal → integer minor units of `currency`, rounding in the named direction. */
export function toMinorUnits(major: FxDecimal, currency: CurrencyCode, direction: RoundingDirection): bigint {
  const scaled = major.times(new FxDecimal(10).pow(minorUnits(currency)));
  return BigInt(scaled.toDecimalPlaces(0, MODE[direction]).toFixed(0));
}

/** Integer minor units → exact major-unit decimal. */
export function fromMinorUnits(minor: bigint, currency: CurrencyCode): FxDecimal {
  return new FxDecimal(minor.toString()).dividedBy(new FxDecimal(10).pow(minorUnits(currency)));
}
