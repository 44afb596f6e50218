import { asCurrency } from '../money/currency';
import { parseAmount } from '../money/money';
import { Posting, SignedQuote } from '../messages/schemas';

/** The network's own participants: FX liquidity, fee income and the world outside (DOMAIN.md). */
export const SystemParticipant = { FXDESK: 'FXDESK', FEES: 'FEES', EXTERNAL: 'EXTERNAL' } as const;

export const accountId = (participant: string, currency: string): string => `${participant}:${currency}`;

function posting(participant: string, currency: string, amount: bigint): Posting {
  return { account: accountId(participant, currency), currency, amount: amount.toString() };
}

/**
 * The balanced multi-leg transaction of DOMAIN.md for a quoted FX payment:
 *   debit debtor:SRC totalDebit · credit FXDESK:SRC send · credit FEES:SRC fees
 *   debit FXDESK:DST receive · credit creditor:DST receive
 * Zero legs are left out (the ledger refuses zero postings). Same-currency payments net on FXDESK:SRC.
 */
export function buildPaymentPostings(quote: SignedQuote): Posting[] {
  const src = asCurrency(quote.sourceCurrency);
  const dst = asCurrency(quote.targetCurrency);
  const send = parseAmount(quote.sendAmount, src);
  const receive = parseAmount(quote.receiveAmount, dst);
  const total = parseAmount(quote.totalDebit, src);
  const fees = quote.fees.reduce((sum, fee) => sum + parseAmount(fee.amount, asCurrency(fee.currency)), 0n);
  if (send + fees !== total) throw new RangeError('quote totalDebit is not sendAmount + fees');
  if (quote.fees.some((fee) => fee.currency !== src)) throw new RangeError('fees must be in the source currency');
  const legs = [
    posting(quote.participant, src, -total),
    posting(SystemParticipant.FXDESK, src, send),
    posting(SystemParticipant.FEES, src, fees),
    posting(SystemParticipant.FXDESK, dst, -receive),
    posting(quote.creditorParticipant, dst, receive),
  ];
  return legs.filter((leg) => leg.amount !== '0');
}

/** A deposit credits the participant from EXTERNAL; a withdrawal does the reverse. */
export function buildTransferPostings(type: 'deposit' | 'withdrawal', participant: string, currency: string, amountMinor: bigint): Posting[] {
  const sign = type === 'deposit' ? 1n : -1n;
  return [posting(SystemParticipant.EXTERNAL, currency, -sign * amountMinor), posting(participant, currency, sign * amountMinor)];
}

/** Accounts every enabled currency needs from bootstrap: FXDESK and FEES (no overdraft), EXTERNAL (unlimited). */
export function systemAccountSpecs(currencies: readonly string[]): { account: string; netDebitCap: string | null }[] {
  return currencies.flatMap((currency) => [
    { account: accountId(SystemParticipant.FXDESK, currency), netDebitCap: '0' },
    { account: accountId(SystemParticipant.FEES, currency), netDebitCap: '0' },
    { account: accountId(SystemParticipant.EXTERNAL, currency), netDebitCap: null },
  ]);
}

/** What a quoted payment debits the debtor: `totalDebit` in minor units of the source currency. */
export function quoteTotalDebitMinor(quote: SignedQuote): bigint {
  return parseAmount(quote.totalDebit, asCurrency(quote.sourceCurrency));
}
