/**
 * Codes of the way back (API.md "Cancel, recall, return"): ISO 20022 reasons, recall and return states, timeline
 * entries and refusals. No imports, so the message schemas can use them without a cycle.
 */
/** ISO 20022 cancellation reasons a debtor bank may give for a recall (camt.056 `CxlRsnInf/Rsn/Cd`). */
export const RECALL_REASONS = ['DUPL', 'FRAD', 'TECH', 'CUST', 'AM09', 'AC03', 'UPAY'] as const;
export type RecallReason = (typeof RECALL_REASONS)[number];

/** ISO 20022 investigation reasons a creditor bank gives when it rejects a recall (camt.029 `CxlStsRsnInf/Rsn/Cd`). */
export const RECALL_REJECT_REASONS = ['NOOR', 'CUST', 'AC04', 'ARDT', 'LEGL', 'NOAS'] as const;
export type RecallRejectReason = (typeof RECALL_REJECT_REASONS)[number];

/** ISO 20022 return reasons a creditor bank may give (pacs.004 `RtrRsnInf/Rsn/Cd`). */
export const RETURN_REASONS = ['AC01', 'AC04', 'AC06', 'AM09', 'BE04', 'MS02', 'MS03', 'RR04'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];

/** The reason of a return made by accepting a recall: "following cancellation request". */
export const RETURN_FOLLOWING_RECALL = 'FOCR';

export const RecallStatus = { PENDING: 'PENDING', ACCEPTED: 'ACCEPTED', REJECTED: 'REJECTED', EXPIRED: 'EXPIRED' } as const;
export type RecallStatus = (typeof RecallStatus)[keyof typeof RecallStatus];

export const ReturnStatus = { RECEIVED: 'RECEIVED', SETTLED: 'SETTLED', REJECTED: 'REJECTED' } as const;
export type ReturnStatus = (typeof ReturnStatus)[keyof typeof ReturnStatus];

/** Timeline entries the way back adds beside the payment's own statuses (API.md). */
export const ExceptionTimelineStatus = {
  RECALL_REQUESTED: 'RECALL_REQUESTED',
  RECALL_ACCEPTED: 'RECALL_ACCEPTED',
  RECALL_REJECTED: 'RECALL_REJECTED',
  RECALL_EXPIRED: 'RECALL_EXPIRED',
  RETURN_RECEIVED: 'RETURN_RECEIVED',
  RETURN_SETTLED: 'RETURN_SETTLED',
  RETURN_REJECTED: 'RETURN_REJECTED',
} as const;

/** Why settlement refuses a cancel, a recall, a recall's answer or a return; stable API codes. */
export const ExceptionRefusal = {
  PAYMENT_NOT_FOUND: 'not_found',
  PAYMENT_NOT_CANCELLABLE: 'payment_not_cancellable',
  PAYMENT_NOT_SETTLED: 'payment_not_settled',
  RECALL_PENDING: 'recall_pending',
  PAYMENT_RETURNED: 'payment_returned',
  RECALL_NOT_PENDING: 'recall_not_pending',
  RETURN_EXCEEDS_PAYMENT: 'return_exceeds_payment',
  /** A recall rejected without an investigation reason (the gateway refuses it first; settlement checks again). */
  VALIDATION_FAILED: 'validation_failed',
  /** A fulfilment of a payment that is not (or no longer) held in escrow. */
  PAYMENT_NOT_RESERVED: 'payment_not_reserved',
  /** A fulfilment whose preimage does not hash to the payment's condition. */
  CONDITION_NOT_MET: 'condition_not_met',
  /** A fulfilment after the escrow's expiry (by block time): the funds went back to the debtor. */
  CONDITION_EXPIRED: 'condition_expired',
} as const;
export type ExceptionRefusal = (typeof ExceptionRefusal)[keyof typeof ExceptionRefusal];
