import { assert } from '../assert';
import { isPast } from './payment-hold';
import { PaymentStatus } from './payment-status';

/** An operator's decision on a held payment (API.md, `POST /v1/admin/payments/{uetr}/decisions`). */
export const Decision = { APPROVE: 'approve', REJECT: 'reject' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/** Why settlement refused to record a decision; stable codes the gateway maps to problems. */
export const DecisionRefusal = {
  PAYMENT_NOT_FOUND: 'payment_not_found',
  PAYMENT_NOT_HELD: 'payment_not_held',
  APPROVER_ALREADY_DECIDED: 'approver_already_decided',
  HOLD_EXPIRED: 'hold_expired',
} as const;
export type DecisionRefusal = (typeof DecisionRefusal)[keyof typeof DecisionRefusal];

/** What the decision rule needs to know about the payment, under its row lock. */
export interface HeldPayment {
  status: PaymentStatus;
  heldUntil: Date | null;
  /** Operators whose decision on this payment was already recorded. */
  decidedBy: readonly string[];
  /** How many of those recorded decisions approve. */
  approvals: number;
}

export type DecisionOutcome =
  | { kind: 'refused'; code: DecisionRefusal; /** the hold lapsed: the caller rejects the payment now */ expireHold: boolean }
  | { kind: 'recorded'; next: 'HELD' | 'SUBMITTED' | 'REJECTED'; approvals: number };

/**
 * M-of-N release of a held payment: each operator decides at most once; one rejection rejects; the M-th distinct
 * approval submits it. Nothing is recorded once the hold deadline has passed.
 */
export function decide(
  payment: HeldPayment | null,
  decision: { operatorId: string; decision: Decision },
  approvalsRequired: number,
  now: Date,
): DecisionOutcome {
  assert(Number.isSafeInteger(approvalsRequired) && approvalsRequired >= 1, 'approvalsRequired must be at least 1');
  if (payment === null) return refused(DecisionRefusal.PAYMENT_NOT_FOUND);
  if (payment.status !== PaymentStatus.HELD) return refused(DecisionRefusal.PAYMENT_NOT_HELD);
  assert(payment.heldUntil !== null, 'a held payment has a hold deadline');
  if (isPast(payment.heldUntil, now)) return { kind: 'refused', code: DecisionRefusal.HOLD_EXPIRED, expireHold: true };
  if (payment.decidedBy.includes(decision.operatorId)) return refused(DecisionRefusal.APPROVER_ALREADY_DECIDED);
  if (decision.decision === Decision.REJECT) return { kind: 'recorded', next: 'REJECTED', approvals: payment.approvals };
  const approvals = payment.approvals + 1;
  return { kind: 'recorded', next: approvals >= approvalsRequired ? 'SUBMITTED' : 'HELD', approvals };
}

function refused(code: DecisionRefusal): DecisionOutcome {
  return { kind: 'refused', code, expireHold: false };
}
