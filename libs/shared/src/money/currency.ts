/**
 * ISO 4217 active currency codes and their minor-unit exponents (number of digits after the decimal point).
 * Funds, precious metals, testing codes and codes whose minor unit is "N.A." are deliberately absent:
 * they cannot be settled here and are refused at the edge.
 */
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE ' +
  'CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD ' +
  'HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP ' +
  'MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD ' +
  'SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS ' +
  'VED VES WST XCD XCG YER ZAR ZMW ZWG';

function table(): ReadonlyMap<string, number> {
  const entries: [string, number][] = [];
  const add = (codes: string, exponent: number): void => {
    for (const code of codes.split(' ')) entries.push([code, exponent]);
  };
  add(EXPONENT_0, 0);
  add(EXPONENT_2, 2);
  add(EXPONENT_3, 3);
  add(EXPONENT_4, 4);
  return new Map(entries);
}

const EXPONENTS = table();

/** A three-letter ISO 4217 code known to this network. */
export type CurrencyCode = string & { readonly __currency: unique symbol };

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && EXPONENTS.has(value);
}

export function asCurrency(value: string): CurrencyCode {
  if (!isCurrencyCode(value)) throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(value)}`);
  return value;
}

/** Digits after the decimal point for this currency (JPY 0, USD 2, BHD 3, CLF 4). */
export function minorUnits(currency: CurrencyCode): number {
  const exponent = EXPONENTS.get(currency);
  if (exponent === undefined) throw new RangeError(`not an ISO 4217 currency code: ${currency}`);
  return exponent;
}

export function allCurrencyCodes(): CurrencyCode[] {
  return [...EXPONENTS.keys()] as CurrencyCode[];
}

/** The currencies enabled out of the box (API.md, "Local defaults"). */
export const DEFAULT_CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD', 'SGD', 'HKD', 'CNY', 'INR', 'MXN', 'BHD'] as const;
