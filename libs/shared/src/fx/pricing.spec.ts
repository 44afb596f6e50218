import fc from 'fast-check';
import { asCurrency } from '../money/currency';
import { FxDecimal, fromMinorUnits } from '../money/decimal';
import { CorridorPricing, customerRate, priceQuote } from './pricing';

const usdEur: CorridorPricing = {
  sourceCurrency: asCurrency('USD'),
  targetCurrency: asCurrency('EUR'),
  midRate: '0.9150',
  spreadBps: 0,
  fixedFeeMinor: 250n,
  percentFeeBps: 0,
};

describe('priceQuote', () => {
  it('prices the DOMAIN.md example exactly', () => {
    const q = priceQuote(usdEur, { sendMinor: 100000n });
    expect(q.rate).toBe('0.915');
    expect(q.receiveMinor).toBe(91500n);
    expect(q.fees).toEqual([{ type: 'fixed', minor: 250n }]);
    expect(q.totalDebitMinor).toBe(100250n);
    expect(q.markupBps).toBe('0.00');
  });

  it('floors the receive amount and ceils the send amount', () => {
    const p = { ...usdEur, midRate: '0.91234567', fixedFeeMinor: 0n };
    expect(priceQuote(p, { sendMinor: 1001n }).receiveMinor).toBe(913n); // 9.1325801... EUR floored
    expect(priceQuote(p, { receiveMinor: 913n }).sendMinor).toBe(1001n); // 10.00717... USD ceiled
  });

  it('rounds percentage fees up to the source minor unit', () => {
    const p = { ...usdEur, fixedFeeMinor: 0n, percentFeeBps: 25 };
    expect(priceQuote(p, { sendMinor: 100001n }).fees).toEqual([{ type: 'percentage', minor: 251n }]);
  });

  it('takes the spread from the mid rate, rounding the customer rate down', () => {
    expect(customerRate('0.9150', 50).toFixed()).toBe('0.910425');
    expect(customerRate('1.23456789012345', 0).toFixed()).toBe('1.23456789');
    expect(priceQuote({ ...usdEur, spreadBps: 50 }, { sendMinor: 100000n }).markupBps).toBe('50.00');
  });

  it('handles zero- and three-digit currencies', () => {
    const jpyBhd = { ...usdEur, sourceCurrency: asCurrency('JPY'), targetCurrency: asCurrency('BHD'), midRate: '0.0025', fixedFeeMinor: 0n };
    const q = priceQuote(jpyBhd, { sendMinor: 1501n });
    expect(q.receiveMinor).toBe(3752n); // 3.7525 BHD floored to 3.752
  });

  it('never pays out more than the rate allows and keeps totalDebit = send + fees (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 300 }),
        (send, rateMicros, spread, pct) => {
          const p = { ...usdEur, midRate: new FxDecimal(rateMicros).dividedBy(1e6).toFixed(), spreadBps: spread, percentFeeBps: pct };
          const q = priceQuote(p, { sendMinor: send });
          const paid = fromMinorUnits(q.receiveMinor, p.targetCurrency);
          expect(paid.lte(fromMinorUnits(q.sendMinor, p.sourceCurrency).times(q.rate))).toBe(true);
          expect(q.totalDebitMinor).toBe(q.fees.reduce((s, f) => s + f.minor, q.sendMinor));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
