/**
 * Why the ledger state machine recorded a transaction or configuration entry as rejected. The values are wire
 * codes: they are hashed into block leaves, stored in `block_transactions.reason` and carried to settlement, the
 * banks and their webhooks, so they never change.
 */
export const LedgerRejection = {
  /** The broker timestamp of the entry is later than its `notAfter`. */
  NOT_AFTER_PASSED: 'not_after_passed',
  /** An account is not open, or its currency is not the posting's. */
  ACCOUNT_UNKNOWN: 'account_unknown',
  /** An account belongs to a suspended participant. */
  PARTICIPANT_SUSPENDED: 'participant_suspended',
  /** A posting of 0. */
  ZERO_POSTING: 'zero_posting',
  /** The postings of a currency do not sum to zero. */
  UNBALANCED: 'unbalanced',
  /** An account without a net debit cap (cap 0) would go below zero. */
  INSUFFICIENT_FUNDS: 'insufficient_funds',
  /** An account would go below minus its net debit cap. */
  LIMIT_EXCEEDED: 'limit_exceeded',
  /** `set_limits`: a new cap that the account's balance is already below. */
  LIMIT_BELOW_BALANCE: 'limit_below_balance',
  /** `suspend` / `resume` without a participant. */
  PARTICIPANT_REQUIRED: 'participant_required',
  /** A queued transfer still short of funds when its time in the liquidity queue ran out (by block time). */
  QUEUE_TIMEOUT: 'queue_timeout',
  /** A queued transfer taken out of the liquidity queue by a `dequeue` entry (a cancel) before it could settle. */
  CANCELLED: 'cancelled',
  /** A conditional transfer whose fulfil or refund postings do not take out of each ESCROW account what it put in. */
  CONDITION_INVALID: 'condition_invalid',
  /** A fulfilment whose preimage does not hash to the condition. */
  CONDITION_NOT_MET: 'condition_not_met',
  /** A fulfilment in a block whose time is not before the escrow's `expiresAt`. */
  CONDITION_EXPIRED: 'condition_expired',
} as const;
export type LedgerRejection = (typeof LedgerRejection)[keyof typeof LedgerRejection];

/** An outcome as the ledger state machine produces it: assignable to the wire `Outcome`, reason checked. */
export type LedgerOutcome = { status: 'accepted' } | { status: 'rejected'; reason: LedgerRejection };
