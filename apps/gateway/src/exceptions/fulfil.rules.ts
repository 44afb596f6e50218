import { ExceptionRefusal, PaymentStatus, RejectReason, isLedgerFinal, preimageMatches } from '@nostro/shared';

/** What the gateway knows of a payment when a fulfilment arrives (its read-model row). */
export interface FulfilTarget {
  status: string;
  reason: string | null;
  condition_hash: string | null;
  condition_expires_at: Date | null;
}

/**
 * Why a fulfilment of this payment is refused at once (API.md "Conditional payments"), or null when it may go to
 * settlement. In this order: a payment without a condition is not in escrow (`payment_not_reserved`); a preimage that
 * does not hash to the condition is `condition_not_met`; an escrow that expired (by block time, as settlement
 * reported) or whose deadline has passed by the gateway's clock while it is still undecided is `condition_expired`;
 * anything else that is not RESERVED (not yet reserved, or already settled, returned, rejected or cancelled) is
 * `payment_not_reserved`. The gateway's clock only refuses early: the ledger judges by block time in the end.
 */
export function fulfilRefusal(payment: FulfilTarget, preimage: string, nowMs: number): ExceptionRefusal | null {
  if (payment.condition_hash === null || payment.condition_expires_at === null) return ExceptionRefusal.PAYMENT_NOT_RESERVED;
  if (!preimageMatches(preimage, payment.condition_hash)) return ExceptionRefusal.CONDITION_NOT_MET;
  const status = payment.status as PaymentStatus;
  if (status === 'REJECTED' && payment.reason === RejectReason.CONDITION_EXPIRED) return ExceptionRefusal.CONDITION_EXPIRED;
  const undecided = !isLedgerFinal(status) && status !== 'CANCELLED';
  if (undecided && nowMs >= payment.condition_expires_at.getTime()) return ExceptionRefusal.CONDITION_EXPIRED;
  if (status !== 'RESERVED') return ExceptionRefusal.PAYMENT_NOT_RESERVED;
  return null;
}
