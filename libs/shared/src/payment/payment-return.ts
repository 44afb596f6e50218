/**
 * The way back after settlement (API.md "Cancel, recall, return"; DOMAIN.md "After settlement…"): the arithmetic
 * of a return and its balanced ledger transaction. Pure: settlement and the gateway call it, property tests pin it.
 */
import { asCurrency } from '../money/currency';
import { parseAmount } from '../money/money';
import { Posting, SignedQuote } from '../messages/schemas';
import { SystemParticipant, accountId } from './payment-transaction';

export * from './exception-codes';

/** A payment's amounts as a return needs them, in minor units. */
export interface ReturnablePayment {
  /** The original `sendAmount` (source currency, fees excluded). */
  sendMinor: bigint;
  /** The original `receiveAmount` (target currency). */
  receiveMinor: bigint;
  /** What returns already took: settled ones plus those still in flight (target currency). */
  takenMinor: bigint;
}

/** `floor(part × send ÷ receive)`: bigint division truncates, which is floor for non-negative operands. */
const proRataFloor = (p: Pick<ReturnablePayment, 'sendMinor' | 'receiveMinor'>, partMinor: bigint): bigint => (partMinor * p.sendMinor) / p.receiveMinor;

/**
 * What a return of `amountMinor` (target currency) pays the debtor back in the source currency, at the original
 * rate, rounded DOWN to the source minor unit so the network never creates money; fees are not refunded. Exact
 * integer arithmetic: no float, no decimal rounding mode.
 *
 * The rounding is cumulative: returns taking the stretch [taken, taken + amount] of the receive amount pay
 * `floor((taken + amount) × send ÷ receive) − floor(taken × send ÷ receive)`. The first return pays exactly
 * `floor(amount × send ÷ receive)` (DOMAIN.md); partial returns add up to what one return of their total would pay,
 * so a payment returned in parts gives back its whole `sendAmount`, and no set of returns ever pays more than it.
 */
export function returnSourceMinor(p: ReturnablePayment, amountMinor: bigint): bigint {
  if (p.receiveMinor <= 0n || p.sendMinor < 0n) throw new RangeError('a return needs a payment with a positive receive amount');
  if (p.takenMinor < 0n || amountMinor <= 0n || p.takenMinor + amountMinor > p.receiveMinor) throw new RangeError('a return must fit in what is left');
  return proRataFloor(p, p.takenMinor + amountMinor) - proRataFloor(p, p.takenMinor);
}

/** What is left to return (target currency): never negative. */
export function remainingMinor(p: ReturnablePayment): bigint {
  const left = p.receiveMinor - p.takenMinor;
  return left > 0n ? left : 0n;
}

/**
 * The amount a return request takes: `requested` if given, else all that is left. Null when it is more than what is
 * left (or nothing is left): the request is refused as `return_exceeds_payment`, never trimmed.
 */
export function returnAmount(p: ReturnablePayment, requestedMinor: bigint | undefined): bigint | null {
  const left = remainingMinor(p);
  const amount = requestedMinor ?? left;
  return amount > 0n && amount <= left ? amount : null;
}

/**
 * The balanced ledger transaction of a return, mirroring the payment's FX legs (DOMAIN.md):
 *   debit creditor:DST amount · credit FXDESK:DST amount
 *   debit FXDESK:SRC source   · credit debtor:SRC source
 * Zero legs are left out (a return too small to be worth one source minor unit leaves the desk the target amount).
 */
export function buildReturnPostings(quote: SignedQuote, amountMinor: bigint, sourceMinor: bigint): Posting[] {
  const src = asCurrency(quote.sourceCurrency);
  const dst = asCurrency(quote.targetCurrency);
  const leg = (participant: string, currency: string, amount: bigint): Posting => ({
    account: accountId(participant, currency),
    currency,
    amount: amount.toString(),
  });
  const legs = [
    leg(quote.creditorParticipant, dst, -amountMinor),
    leg(SystemParticipant.FXDESK, dst, amountMinor),
    leg(SystemParticipant.FXDESK, src, -sourceMinor),
    leg(quote.participant, src, sourceMinor),
  ];
  return legs.filter((l) => l.amount !== '0');
}

/** The amounts of a quoted payment a return is measured against. */
export function returnableOf(quote: SignedQuote, takenMinor: bigint): ReturnablePayment {
  return {
    sendMinor: parseAmount(quote.sendAmount, asCurrency(quote.sourceCurrency)),
    receiveMinor: parseAmount(quote.receiveAmount, asCurrency(quote.targetCurrency)),
    takenMinor,
  };
}
