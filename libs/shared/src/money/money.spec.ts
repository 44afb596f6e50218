import fc from 'fast-check';
import { allCurrencyCodes, asCurrency, isCurrencyCode, minorUnits } from './currency';
import { FxDecimal, fromMinorUnits, toMinorUnits } from './decimal';
import { AmountParseError, Money, formatAmount, parseAmount } from './money';

const USD = asCurrency('USD');
const JPY = asCurrency('JPY');
const BHD = asCurrency('BHD');

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AmountParseError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('ISO 4217 minor units', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['CLF', 4],
    ['MXN', 2],
    ['INR', 2],
  ])('%s has %i minor digits', (code, digits) => {
    expect(minorUnits(asCurrency(code))).toBe(digits);
  });

  it('refuses codes that are not active ISO 4217 settlement currencies', () => {
    for (const code of ['usd', 'US', 'XAU', 'XXX', 'XTS', 'ABC', '']) expect(isCurrencyCode(code)).toBe(false);
    expect(() => asCurrency('XAU')).toThrow(RangeError);
  });

  it('knows every code exactly once', () => {
    const codes = allCurrencyCodes();
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(150);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{3}$/);
  });
});

describe('parseAmount', () => {
  it('parses major-unit strings into minor units', () => {
    expect(parseAmount('1002.50', USD)).toBe(100250n);
    expect(parseAmount('1002.5', USD)).toBe(100250n);
    expect(parseAmount('1002', USD)).toBe(100200n);
    expect(parseAmount('0.01', USD)).toBe(1n);
    expect(parseAmount('1500', JPY)).toBe(1500n);
    expect(parseAmount('10.125', BHD)).toBe(10125n);
    expect(parseAmount('123456789012345678.99', USD)).toBe(12345678901234567899n);
  });

  it('refuses more digits than the currency allows instead of rounding', () => {
    expect(reasonOf(() => parseAmount('1.001', USD))).toBe('too_many_digits');
    expect(reasonOf(() => parseAmount('1500.5', JPY))).toBe('too_many_digits');
    expect(reasonOf(() => parseAmount('1500.0', JPY))).toBe('too_many_digits');
    expect(reasonOf(() => parseAmount('10.1250', BHD))).toBe('too_many_digits');
  });

  it('refuses numbers, blanks, exponents, signs, separators and leading zeros', () => {
    expect(reasonOf(() => parseAmount(10, USD))).toBe('not_a_string');
    expect(reasonOf(() => parseAmount(10n, USD))).toBe('not_a_string');
    for (const bad of ['', ' 1', '1 ', '1e3', '+1', '1,000.00', '01', '1.', '.5', 'NaN', 'Infinity', '0x10', '1_000']) {
      expect(reasonOf(() => parseAmount(bad, USD))).toBe('malformed');
    }
    expect(reasonOf(() => parseAmount('-1.00', USD))).toBe('negative');
    expect(reasonOf(() => parseAmount('1' + '0'.repeat(40), USD))).toBe('too_large');
  });

  it('accepts negative amounts only when asked', () => {
    expect(parseAmount('-2.50', USD, { allowNegative: true })).toBe(-250n);
    expect(parseAmount('-0', USD)).toBe(0n);
  });
});

describe('formatAmount', () => {
  it('writes exactly the currency digits', () => {
    expect(formatAmount(100250n, USD)).toBe('1002.50');
    expect(formatAmount(1n, USD)).toBe('0.01');
    expect(formatAmount(0n, USD)).toBe('0.00');
    expect(formatAmount(1500n, JPY)).toBe('1500');
    expect(formatAmount(10125n, BHD)).toBe('10.125');
    expect(formatAmount(5n, BHD)).toBe('0.005');
    expect(formatAmount(-250n, USD)).toBe('-2.50');
  });

  it('round-trips with parseAmount for every currency (property)', () => {
    const codes = allCurrencyCodes();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.constantFrom(...codes), (minor, code) => {
        expect(parseAmount(formatAmount(minor, code), code)).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Money', () => {
  it('adds and subtracts within one currency only', () => {
    const a = Money.parse('10.00', 'USD');
    expect(a.add(Money.parse('0.05', 'USD')).toString()).toBe('10.05');
    expect(a.subtract(Money.parse('12.00', 'USD')).toString()).toBe('-2.00');
    expect(() => a.add(Money.parse('1', 'JPY'))).toThrow(TypeError);
    expect(JSON.stringify(a)).toBe('{"amount":"10.00","currency":"USD"}');
  });
});

describe('decimal conversions name their rounding', () => {
  it('floors and ceils to the minor unit', () => {
    expect(toMinorUnits(new FxDecimal('915.00999'), asCurrency('EUR'), 'floor')).toBe(91500n);
    expect(toMinorUnits(new FxDecimal('915.00001'), asCurrency('EUR'), 'ceil')).toBe(91501n);
    expect(toMinorUnits(new FxDecimal('-0.001'), USD, 'floor')).toBe(-1n);
    expect(toMinorUnits(new FxDecimal('-0.001'), USD, 'ceil')).toBe(0n);
    expect(toMinorUnits(new FxDecimal('1499.9'), JPY, 'floor')).toBe(1499n);
    expect(toMinorUnits(new FxDecimal('1499.1'), JPY, 'ceil')).toBe(1500n);
  });

  it('converts minor units to exact decimals', () => {
    expect(fromMinorUnits(10125n, BHD).toFixed()).toBe('10.125');
    expect(fromMinorUnits(12345678901234567899n, USD).toFixed()).toBe('123456789012345678.99');
  });
});
