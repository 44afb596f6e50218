import { CurrencyCode } from '../money/currency';
import { formatAmount } from '../money/money';
import { Corridor } from './corridor';
import { CorridorPricing, PricedQuote, QuoteTarget, priceQuote } from './pricing';

/** The priced part of a quote as banks see it: decimal strings with exactly each currency's minor-unit digits. */
export interface QuoteFigures {
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  midRate: string;
  rate: string;
  markupBps: string;
  sendAmount: string;
  receiveAmount: string;
  fees: { type: string; amount: string; currency: CurrencyCode }[];
  totalDebit: string;
}

export function corridorPricing(corridor: Corridor, midRate: string): CorridorPricing {
  return {
    sourceCurrency: corridor.sourceCurrency,
    targetCurrency: corridor.targetCurrency,
    midRate,
    spreadBps: corridor.spreadBps,
    fixedFeeMinor: corridor.fixedFeeMinor,
    percentFeeBps: corridor.percentFeeBps,
  };
}

/** Writes a priced quote's amounts in major units (fees in the source currency). */
export function quoteFigures(pricing: CorridorPricing, priced: PricedQuote): QuoteFigures {
  const src = pricing.sourceCurrency;
  const dst = pricing.targetCurrency;
  return {
    sourceCurrency: src,
    targetCurrency: dst,
    midRate: priced.midRate,
    rate: priced.rate,
    markupBps: priced.markupBps,
    sendAmount: formatAmount(priced.sendMinor, src),
    receiveAmount: formatAmount(priced.receiveMinor, dst),
    fees: priced.fees.map((fee) => ({ type: fee.type, amount: formatAmount(fee.minor, src), currency: src })),
    totalDebit: formatAmount(priced.totalDebitMinor, src),
  };
}

/** Prices a request on a corridor at a mid rate: the numbers and their wire form together. */
export function priceOnCorridor(corridor: Corridor, midRate: string, target: QuoteTarget): { priced: PricedQuote; figures: QuoteFigures } {
  const pricing = corridorPricing(corridor, midRate);
  const priced = priceQuote(pricing, target);
  return { priced, figures: quoteFigures(pricing, priced) };
}
