import { LedgerRejection } from '../ledger/ledger-rejection';

/** Payment statuses with their ISO 20022 pacs.002 codes (DOMAIN.md). */
export const PaymentStatus = {
  RECEIVED: 'RECEIVED',
  HELD: 'HELD',
  SUBMITTED: 'SUBMITTED',
  SETTLED: 'SETTLED',
  REJECTED: 'REJECTED',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

export const ISO20022_STATUS: Record<PaymentStatus, string> = {
  RECEIVED: 'ACTC',
  HELD: 'PDNG',
  SUBMITTED: 'ACSP',
  SETTLED: 'ACSC',
  REJECTED: 'RJCT',
};

const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  RECEIVED: ['HELD', 'SUBMITTED', 'REJECTED'],
  HELD: ['SUBMITTED', 'REJECTED'],
  SUBMITTED: ['SETTLED', 'REJECTED'],
  SETTLED: [],
  REJECTED: [],
};

export function isFinalStatus(status: PaymentStatus): boolean {
  return ALLOWED[status].length === 0;
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
  ) {
    super(`illegal payment transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** The one place a payment status changes; refuses every move the state machine does not allow. */
export function transition(from: PaymentStatus, to: PaymentStatus): PaymentStatus {
  if (!ALLOWED[from].includes(to)) throw new IllegalTransitionError(from, to);
  return to;
}

/** Reasons a payment ends REJECTED; stable codes shared with API.md (the ledger's own are LedgerRejection's). */
export const RejectReason = {
  QUOTE_EXPIRED: 'quote_expired',
  QUOTE_ALREADY_USED: 'quote_already_used',
  QUOTE_INVALID: 'quote_invalid',
  INSUFFICIENT_FUNDS: LedgerRejection.INSUFFICIENT_FUNDS,
  LIMIT_EXCEEDED: LedgerRejection.LIMIT_EXCEEDED,
  PARTICIPANT_SUSPENDED: LedgerRejection.PARTICIPANT_SUSPENDED,
  ACCOUNT_UNKNOWN: LedgerRejection.ACCOUNT_UNKNOWN,
  EXPIRED: LedgerRejection.NOT_AFTER_PASSED,
  UNBALANCED: LedgerRejection.UNBALANCED,
  SANCTIONS_HIT: 'sanctions_hit',
  DUPLICATE: 'duplicate',
  /** A held payment nobody approved before its hold deadline. */
  HOLD_EXPIRED: 'hold_expired',
  /** An operator rejected a held payment. */
  REJECTED_BY_OPERATOR: 'rejected_by_operator',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
