import { LedgerRejection } from '../ledger/ledger-rejection';

/** Payment statuses with their ISO 20022 pacs.002 codes (DOMAIN.md). */
export const PaymentStatus = {
  RECEIVED: 'RECEIVED',
  HELD: 'HELD',
  SUBMITTED: 'SUBMITTED',
  /** Waiting in its debtor account's liquidity queue on the ledger for funds (API.md "Liquidity queue"). */
  QUEUED: 'QUEUED',
  /** Its funds and FX held in escrow until its condition is fulfilled or expires (API.md "Conditional payments"). */
  RESERVED: 'RESERVED',
  SETTLED: 'SETTLED',
  REJECTED: 'REJECTED',
  /** Stopped by its debtor bank before it reached the ledger (docs/exceptions.md). */
  CANCELLED: 'CANCELLED',
  /** Its whole receive amount came back by returns after it settled. */
  RETURNED: 'RETURNED',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

/** pacs.002 `TxSts` of each status (API.md "Payment statuses"). */
export const ISO20022_STATUS: Record<PaymentStatus, 'RCVD' | 'PDNG' | 'ACSP' | 'ACSC' | 'RJCT' | 'CANC'> = {
  RECEIVED: 'RCVD',
  HELD: 'PDNG',
  SUBMITTED: 'ACSP',
  QUEUED: 'PDNG',
  RESERVED: 'ACSP',
  SETTLED: 'ACSC',
  REJECTED: 'RJCT',
  CANCELLED: 'CANC',
  // pacs.002 has no status for a settled payment whose funds came back: it was settled (the returns report themselves).
  RETURNED: 'ACSC',
};

const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  RECEIVED: ['HELD', 'SUBMITTED', 'REJECTED', 'CANCELLED'],
  HELD: ['SUBMITTED', 'REJECTED', 'CANCELLED'],
  SUBMITTED: ['QUEUED', 'RESERVED', 'SETTLED', 'REJECTED'],
  // The ledger decides: fulfilled (SETTLED) or expired by block time (REJECTED, condition_expired).
  RESERVED: ['SETTLED', 'REJECTED'],
  // Only the ledger takes it out of its queue: settled, timed out, or cancelled by a dequeue entry.
  QUEUED: ['RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED'],
  // A final block is final: only returns (new ledger transactions) bring the whole amount back.
  SETTLED: ['RETURNED'],
  REJECTED: [],
  CANCELLED: [],
  RETURNED: [],
};

/** No transition leaves it: REJECTED, CANCELLED, RETURNED. */
export function isFinalStatus(status: PaymentStatus): boolean {
  return ALLOWED[status].length === 0;
}

/** Before the ledger: a cancel can still stop it (API.md "Cancel, recall, return"). */
export function isCancellable(status: PaymentStatus): boolean {
  return ALLOWED[status].includes('CANCELLED');
}

/** The ledger has decided it: SETTLED, REJECTED and RETURNED (a returned payment had settled). */
export function isLedgerFinal(status: PaymentStatus): boolean {
  return status === 'SETTLED' || status === 'REJECTED' || status === 'RETURNED';
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
  /** Still short of funds when its time in the liquidity queue ran out. */
  QUEUE_TIMEOUT: LedgerRejection.QUEUE_TIMEOUT,
  /** Taken out of the liquidity queue by a cancel. */
  QUEUE_CANCELLED: LedgerRejection.CANCELLED,
  /** Its condition was not fulfilled before `expiresAt` (by block time): the escrow went back to the debtor. */
  CONDITION_EXPIRED: LedgerRejection.CONDITION_EXPIRED,
  UNBALANCED: LedgerRejection.UNBALANCED,
  SANCTIONS_HIT: 'sanctions_hit',
  DUPLICATE: 'duplicate',
  /** A held payment nobody approved before its hold deadline. */
  HOLD_EXPIRED: 'hold_expired',
  /** An operator rejected a held payment. */
  REJECTED_BY_OPERATOR: 'rejected_by_operator',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** ISO 20022 `StsRsnInf/Rsn/Cd` of a rejection reason (API.md); anything without its own code is NARR with the code as `AddtlInf`. */
const ISO_REASONS: Readonly<Record<string, string>> = {
  insufficient_funds: 'AM04',
  limit_exceeded: 'AM02',
  account_unknown: 'AC01',
  participant_suspended: 'AG01',
  quote_expired: 'AB05',
  not_after_passed: 'AB05',
  queue_timeout: 'AB05',
  condition_expired: 'AB05',
  sanctions_hit: 'RR04',
  rejected_by_operator: 'AG03',
  hold_expired: 'AG03',
};

export function isoStatusReason(reason: string): { code: string; additionalInfo?: string } {
  const code = ISO_REASONS[reason];
  return code ? { code } : { code: 'NARR', additionalInfo: reason };
}
