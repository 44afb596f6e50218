import { asCurrency, FxDecimal, parseAmount } from '@nostro/shared';
import type { XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import type { XmlObject } from '../xml/xml-writer';

/** An amount as a decimal string with exactly its currency's minor-unit digits ('1500' JPY, '10.125' BHD), never a JS number. */
export interface Money {
  amount: string;
  currency: string;
}

/**
 * ActiveCurrencyAndAmount / ActiveOrHistoricCurrencyAndAmount: the decimal string exactly as given, with `Ccy`.
 * Refuses (AmountParseError, RangeError) a malformed or negative amount, too many digits or an unknown currency.
 */
export function amountXml(money: Money): XmlObject {
  parseAmount(money.amount, asCurrency(money.currency));
  return { '@Ccy': money.currency, '#': money.amount };
}

/** The amount text (xs:decimal, so surrounding whitespace is not part of it) and its Ccy. */
export function readAmount(element: XmlElement): Money {
  const currency = element.attribute('Ccy') ?? refuse(element.path, 'needs a Ccy attribute');
  return { amount: element.text().trim(), currency };
}

/** BaseOneRate: xs:decimal with at most 11 digits, 10 of them after the point. */
const RATE_DIGITS_TOTAL = 11;
const RATE_DIGITS_FRACTION = 10;

/**
 * An exchange rate as BaseOneRate: as many fraction digits as the schema leaves room for, rounded half-even (a
 * displayed rate, not money: the amounts beside it are exact), trailing zeros dropped. Refuses a rate of 10^11 or more.
 */
export function rateXml(rate: string): string {
  const value = new FxDecimal(rate);
  if (!value.isFinite() || value.isNegative()) throw new RangeError(`not an exchange rate: ${JSON.stringify(rate)}`);
  const integerDigits = value.truncated().isZero() ? 0 : value.truncated().toFixed(0).length;
  if (integerDigits > RATE_DIGITS_TOTAL) throw new RangeError(`exchange rate ${rate} has more than ${RATE_DIGITS_TOTAL} integer digits`);
  const fractionDigits = Math.min(RATE_DIGITS_FRACTION, RATE_DIGITS_TOTAL - integerDigits);
  return value.toDecimalPlaces(fractionDigits, FxDecimal.ROUND_HALF_EVEN).toFixed();
}

/** ISODateTime from a Date, in UTC with milliseconds. */
export function dateTimeXml(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  return date.toISOString();
}

/** ISODateTime text as a Date (refused if it is not one). */
export function readDateTime(element: XmlElement): Date {
  const date = new Date(element.text().trim());
  return Number.isNaN(date.getTime()) ? refuse(element.path, 'is not a date and time') : date;
}
