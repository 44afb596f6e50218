/**
 * The pricing rules of API.md as properties, over every ISO 4217 currency this network knows (0, 2, 3 and 4
 * minor-unit digits), rates from 10⁻⁸ to 10⁷, spreads and fees up to the corridor maxima and amounts up to 10¹⁵
 * minor units. Thousands of cases each; a failure prints the smallest counter-example fast-check finds.
 */
import fc from 'fast-check';
import { CurrencyCode, allCurrencyCodes, minorUnits } from '../money/currency';
import { FxDecimal, fromMinorUnits } from '../money/decimal';
import { parseAmount } from '../money/money';
import { CORRIDOR_BPS_MAX, Corridor } from './corridor';
import { priceOnCorridor } from './quote-figures';

const RUNS = 2_000;
const codes = allCurrencyCodes();

const currencyPair = fc.tuple(fc.constantFrom(...codes), fc.constantFrom(...codes)).filter(([a, b]) => a !== b);

/** A mid rate with up to 12 significant digits, from 10⁻⁸ to just under 10⁷. */
const midRate = fc
  .tuple(fc.bigInt({ min: 10n ** 11n, max: 10n ** 12n - 1n }), fc.integer({ min: -8, max: 6 }))
  .map(([digits, exponent]) => new FxDecimal(digits.toString()).times(new FxDecimal(10).pow(exponent - 11)).toFixed());

const corridor = fc
  .record({
    pair: currencyPair,
    spreadBps: fc.integer({ min: 0, max: CORRIDOR_BPS_MAX }),
    fixedFeeMinor: fc.bigInt({ min: 0n, max: 10n ** 6n }),
    percentFeeBps: fc.integer({ min: 0, max: CORRIDOR_BPS_MAX }),
  })
  .map(({ pair: [source, target], ...rest }): Corridor => ({
    sourceCurrency: source,
    targetCurrency: target,
    minSendMinor: 1n,
    maxSendMinor: 10n ** 15n,
    enabled: true,
    ...rest,
  }));

const amountMinor = fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: 10n ** 15n }));

function sumMinor(amounts: string[], currency: CurrencyCode): bigint {
  return amounts.reduce((sum, a) => sum + parseAmount(a, currency), 0n);
}

/** Exactly the currency's digits: no more, no fewer, no exponent, no sign. */
function hasExactDigits(amount: string, currency: CurrencyCode): boolean {
  const digits = minorUnits(currency);
  const pattern = digits === 0 ? /^(0|[1-9][0-9]*)$/ : new RegExp(`^(0|[1-9][0-9]*)\\.[0-9]{${digits}}$`);
  return pattern.test(amount);
}

/** One minor unit of `currency` in major units. */
const oneMinor = (currency: CurrencyCode): FxDecimal => fromMinorUnits(1n, currency);

describe('pricing properties (fast-check)', () => {
  it('totalDebit = sendAmount + Σ fees, in minor units and in the strings banks receive', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, fc.boolean(), (c, mid, amount, bySend) => {
        const { priced, figures } = priceOnCorridor(c, mid, bySend ? { sendMinor: amount } : { receiveMinor: amount });
        expect(priced.totalDebitMinor).toBe(priced.fees.reduce((s, f) => s + f.minor, priced.sendMinor));
        const src = c.sourceCurrency;
        expect(parseAmount(figures.totalDebit, src)).toBe(sumMinor([figures.sendAmount, ...figures.fees.map((f) => f.amount)], src));
        for (const fee of figures.fees) expect(fee.currency).toBe(src);
      }),
      { numRuns: RUNS },
    );
  });

  it('writes no amount with more (or fewer) digits than its currency has', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, fc.boolean(), (c, mid, amount, bySend) => {
        const { figures } = priceOnCorridor(c, mid, bySend ? { sendMinor: amount } : { receiveMinor: amount });
        const src = c.sourceCurrency;
        expect(hasExactDigits(figures.sendAmount, src)).toBe(true);
        expect(hasExactDigits(figures.totalDebit, src)).toBe(true);
        expect(hasExactDigits(figures.receiveAmount, c.targetCurrency)).toBe(true);
        for (const fee of figures.fees) expect(hasExactDigits(fee.amount, fee.currency)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('never pays out more target value than the all-in rate allows, and the rate never beats the mid', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, fc.boolean(), (c, mid, amount, bySend) => {
        const { priced } = priceOnCorridor(c, mid, bySend ? { sendMinor: amount } : { receiveMinor: amount });
        const rate = new FxDecimal(priced.rate);
        expect(rate.lte(mid)).toBe(true);
        expect(rate.gt(0)).toBe(true);
        const sent = fromMinorUnits(priced.sendMinor, c.sourceCurrency);
        const paid = fromMinorUnits(priced.receiveMinor, c.targetCurrency);
        expect(paid.lte(sent.times(rate))).toBe(true);
        // …and, by send amount, not short-changed either: less than one target minor unit below what the rate allows.
        if (bySend) expect(sent.times(rate).minus(paid).lt(oneMinor(c.targetCurrency))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('send → receive → send comes back within one minor unit of value, delivering the same receive amount', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, (c, mid, send) => {
        const first = priceOnCorridor(c, mid, { sendMinor: send }).priced;
        const back = priceOnCorridor(c, mid, { receiveMinor: first.receiveMinor }).priced;
        const rate = new FxDecimal(first.rate);
        // Never asks for more than the original send amount, and still delivers exactly the same amount…
        expect(back.sendMinor <= send).toBe(true);
        expect(priceOnCorridor(c, mid, { sendMinor: back.sendMinor }).priced.receiveMinor).toBe(first.receiveMinor);
        // …and the two send amounts differ by less than one target minor unit's worth…
        const gap = fromMinorUnits(send - back.sendMinor, c.sourceCurrency).times(rate);
        expect(gap.lt(oneMinor(c.targetCurrency))).toBe(true);
        // …which is at most one source minor unit whenever a target minor unit is worth no more than that.
        const targetMinorInSource = oneMinor(c.targetCurrency).dividedBy(rate);
        if (targetMinorInSource.lte(oneMinor(c.sourceCurrency))) expect(send - back.sendMinor <= 1n).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('receive → send → receive delivers at least the amount asked, and less than one source minor unit more', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, (c, mid, receive) => {
        const first = priceOnCorridor(c, mid, { receiveMinor: receive }).priced;
        const again = priceOnCorridor(c, mid, { sendMinor: first.sendMinor }).priced;
        expect(again.receiveMinor >= receive).toBe(true);
        const extra = fromMinorUnits(again.receiveMinor - receive, c.targetCurrency);
        expect(extra.lt(oneMinor(c.sourceCurrency).times(first.rate))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('rounds the percentage fee up by less than one minor unit, and states the markup over the mid rate', () => {
    fc.assert(
      fc.property(corridor, midRate, amountMinor, (c, mid, send) => {
        const { priced } = priceOnCorridor(c, mid, { sendMinor: send });
        const exact = new FxDecimal(send.toString()).times(c.percentFeeBps).dividedBy(10_000);
        const pct = priced.fees.find((f) => f.type === 'percentage')?.minor ?? 0n;
        expect(new FxDecimal(pct.toString()).gte(exact)).toBe(true);
        expect(new FxDecimal(pct.toString()).minus(exact).lt(1)).toBe(true);
        expect(priced.fees.find((f) => f.type === 'fixed')?.minor ?? 0n).toBe(c.fixedFeeMinor);
        const markup = new FxDecimal(priced.markupBps);
        expect(markup.gte(c.spreadBps)).toBe(true);
        expect(markup.lte(new FxDecimal(c.spreadBps).plus('0.01'))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
