import { asCurrency } from '../money/currency';
import { parseAmount } from '../money/money';
import { Posting, SignedQuote } from '../messages/schemas';

/** The network's own participants: FX liquidity, fee income and the world outside (DOMAIN.md). */
export const SystemParticipant = { FXDESK: 'FXDESK', FEES: 'FEES', EXTERNAL: 'EXTERNAL', ESCROW: 'ESCROW' } as const;

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

/**
 * A conditional payment's three transactions (docs/ledger.md, "Escrow"): the reservation moves the debtor's
 * `totalDebit` into ESCROW:SRC and the desk's `receive` into ESCROW:DST; the fulfilment pays the creditor and the desk
 * and fees out of escrow (the payment's own legs); the refund gives each back where it came from, at the original
 * amounts. Both leave the ESCROW accounts where they were before the reservation, so neither can fail for want of
 * funds. Same-currency payments net on ESCROW:SRC and FXDESK:SRC.
 */
export function buildEscrowPostings(quote: SignedQuote): { reserve: Posting[]; fulfil: Posting[]; refund: Posting[] } {
  const src = asCurrency(quote.sourceCurrency);
  const dst = asCurrency(quote.targetCurrency);
  const legs = buildPaymentPostings(quote);
  const total = parseAmount(quote.totalDebit, src);
  const receive = parseAmount(quote.receiveAmount, dst);
  const net = (list: Posting[]): Posting[] => {
    const sums = new Map<string, { currency: string; amount: bigint }>();
    for (const p of list) {
      const prev = sums.get(p.account) ?? { currency: p.currency, amount: 0n };
      sums.set(p.account, { currency: p.currency, amount: prev.amount + BigInt(p.amount) });
    }
    return [...sums].filter(([, v]) => v.amount !== 0n).map(([account, v]) => ({ account, currency: v.currency, amount: v.amount.toString() }));
  };
  const escrowSrc = accountId(SystemParticipant.ESCROW, src);
  const escrowDst = accountId(SystemParticipant.ESCROW, dst);
  const reserve = net([
    posting(quote.participant, src, -total),
    posting(SystemParticipant.ESCROW, src, total),
    posting(SystemParticipant.FXDESK, dst, -receive),
    posting(SystemParticipant.ESCROW, dst, receive),
  ]);
  // Fulfil: the payment's legs, with the debtor's and the desk's debits taken from escrow instead.
  const fulfil = net(
    legs.map((p) =>
      p.account === accountId(quote.participant, src) && BigInt(p.amount) < 0n
        ? { ...p, account: escrowSrc }
        : p.account === accountId(SystemParticipant.FXDESK, dst) && BigInt(p.amount) < 0n
          ? { ...p, account: escrowDst }
          : p,
    ),
  );
  const refund = reserve.map((p) => ({ ...p, amount: (-BigInt(p.amount)).toString() }));
  return { reserve, fulfil, refund };
}

/** A deposit credits the participant from EXTERNAL; a withdrawal does the reverse. */
export function buildTransferPostings(type: 'deposit' | 'withdrawal', participant: string, currency: string, amountMinor: bigint): Posting[] {
  const sign = type === 'deposit' ? 1n : -1n;
  return [posting(SystemParticipant.EXTERNAL, currency, -sign * amountMinor), posting(participant, currency, sign * amountMinor)];
}

/** Accounts every enabled currency needs from bootstrap: FXDESK, FEES and ESCROW (no overdraft), EXTERNAL (unlimited). */
export function systemAccountSpecs(currencies: readonly string[]): { account: string; netDebitCap: string | null }[] {
  return currencies.flatMap((currency) => [
    { account: accountId(SystemParticipant.FXDESK, currency), netDebitCap: '0' },
    { account: accountId(SystemParticipant.FEES, currency), netDebitCap: '0' },
    { account: accountId(SystemParticipant.ESCROW, currency), netDebitCap: '0' },
    { account: accountId(SystemParticipant.EXTERNAL, currency), netDebitCap: null },
  ]);
}

/** What a quoted payment debits the debtor: `totalDebit` in minor units of the source currency. */
export function quoteTotalDebitMinor(quote: SignedQuote): bigint {
  return parseAmount(quote.totalDebit, asCurrency(quote.sourceCurrency));
}
