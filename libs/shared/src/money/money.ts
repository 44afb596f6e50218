import { CurrencyCode, asCurrency, minorUnits } from './currency';

/** Why an amount string was refused; stable, so the edge can map it to a field error. */
export type AmountError = 'not_a_string' | 'malformed' | 'too_many_digits' | 'negative' | 'too_large';

export class AmountParseError extends Error {
  constructor(
    readonly reason: AmountError,
    message: string,
  ) {
    super(message);
    this.name = 'AmountParseError';
  }
}

const AMOUNT_PATTERN = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** 10^30 minor units: far beyond any real balance, small enough for NUMERIC(38,0) columns. */
const MINOR_MAX = 10n ** 30n;

/**
 * Parses a major-unit decimal string ("1002.50", "1500", "10.125") into integer minor units.
 * Fewer fraction digits than the currency has are accepted ("10.5" USD = 1050); more are refused, never rounded.
 * Pure string arithmetic: no float ever touches the value.
 */
export function parseAmount(value: unknown, currency: CurrencyCode, opts: { allowNegative?: boolean } = {}): bigint {
  if (typeof value !== 'string') throw new AmountParseError('not_a_string', 'amount must be a decimal string');
  const match = AMOUNT_PATTERN.exec(value);
  if (!match) throw new AmountParseError('malformed', `malformed amount ${JSON.stringify(value)}`);
  const [, sign, whole, fraction = ''] = match;
  const exponent = minorUnits(currency);
  if (fraction.length > exponent) {
    throw new AmountParseError('too_many_digits', `${currency} allows ${exponent} digits after the decimal point`);
  }
  if (value.includes('.') && exponent === 0) {
    throw new AmountParseError('too_many_digits', `${currency} has no minor unit`);
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor >= MINOR_MAX) throw new AmountParseError('too_large', 'amount is too large');
  if (sign === '-' && minor !== 0n) {
    if (!opts.allowNegative) throw new AmountParseError('negative', 'amount must not be negative');
    return -minor;
  }
  return minor;
}

/** Writes minor units as a major-unit string with exactly the currency's digits ("1002.50", "1500", "-0.005"). */
export function formatAmount(minor: bigint, currency: CurrencyCode): string {
  const exponent = minorUnits(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return (negative ? '-' : '') + (exponent === 0 ? whole : `${whole}.${fraction}`);
}

/** An amount of money: integer minor units with their currency. Immutable. */
export class Money {
  private constructor(
    readonly minor: bigint,
    readonly currency: CurrencyCode,
  ) {}

  static of(minor: bigint, currency: string): Money {
    return new Money(minor, asCurrency(currency));
  }

  static parse(value: unknown, currency: string, opts: { allowNegative?: boolean } = {}): Money {
    const code = asCurrency(currency);
    return new Money(parseAmount(value, code, opts), code);
  }

  static zero(currency: string): Money {
    return Money.of(0n, currency);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.minor + other.minor, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.minor - other.minor, this.currency);
  }

  negate(): Money {
    return new Money(-this.minor, this.currency);
  }

  isZero(): boolean {
    return this.minor === 0n;
  }

  isNegative(): boolean {
    return this.minor < 0n;
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.minor === other.minor;
  }

  /** Major-unit string with exactly the currency's minor-unit digits. */
  toString(): string {
    return formatAmount(this.minor, this.currency);
  }

  toJSON(): { amount: string; currency: string } {
    return { amount: this.toString(), currency: this.currency };
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new TypeError(`currency mismatch: ${this.currency} and ${other.currency}`);
    }
  }
}
