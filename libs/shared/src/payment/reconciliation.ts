import { LedgerRejection } from '../ledger/ledger-rejection';
import { Posting } from '../messages/schemas';

/** Settlement's record of a ledger transaction it submitted: a payment (id = uetr), a return (its id) or an operator request. */
export interface SettlementRecord {
  id: string;
  /** A payment's, a return's (RECEIVED, SETTLED, REJECTED) or a request's (SUBMITTED, SETTLED, REJECTED) status. */
  status: 'RECEIVED' | 'HELD' | 'SUBMITTED' | 'QUEUED' | 'SETTLED' | 'REJECTED' | 'CANCELLED' | 'RETURNED';
  reason: string | null;
  /** Height of the final block settlement took the outcome from; null while pending or if never submitted. */
  height: number | null;
}

/** The ledger's final record of a transaction (from a quorum-signed block). */
export interface LedgerRecord {
  id: string;
  height: number;
  status: 'accepted' | 'rejected';
  reason: string | null;
}

/** Every way settlement's records and the ledger's can disagree; stable codes for the report, logs and metrics. */
export const DifferenceKind = {
  /** The ledger finalized a transaction settlement has no record of. */
  UNKNOWN_TO_SETTLEMENT: 'unknown_to_settlement',
  /** Settlement took an outcome from a block whose ledger record does not hold the transaction. */
  MISSING_ON_LEDGER: 'missing_on_ledger',
  /** The ledger finalized the transaction, settlement still waits for it. */
  PENDING_BUT_FINAL: 'pending_but_final',
  /** Settled against rejected, or rejected for another reason. */
  OUTCOME_MISMATCH: 'outcome_mismatch',
  HEIGHT_MISMATCH: 'height_mismatch',
  /** The ledger applied other postings than the payment's quote implies. */
  POSTINGS_MISMATCH: 'postings_mismatch',
  /** A final block settlement never received. */
  MISSING_BLOCK: 'missing_block',
  /** A validator served a finality proof that does not verify against the trusted keys. */
  PROOF_INVALID: 'proof_invalid',
} as const;
export type DifferenceKind = (typeof DifferenceKind)[keyof typeof DifferenceKind];

export interface Difference {
  kind: DifferenceKind;
  id: string;
  detail: string;
}

/** Statuses the ledger decided; a RETURNED payment had settled (its returns are records of their own). */
const FINAL = new Set(['SETTLED', 'REJECTED', 'RETURNED']);

function describe(s: SettlementRecord): string {
  return `settlement ${s.status}${s.reason ? ` (${s.reason})` : ''}${s.height !== null ? ` at ${s.height}` : ''}`;
}

function describeLedger(l: LedgerRecord): string {
  return `ledger ${l.status}${l.reason ? ` (${l.reason})` : ''} at ${l.height}`;
}

/**
 * Compares one transaction as settlement and the ledger record it. A payment settlement rejected before submitting
 * it (quote, hold) must be absent from the ledger; a final one must match the ledger's outcome, reason and block.
 * Null: they agree (including a transaction that is pending on both sides).
 */
export function classify(s: SettlementRecord | null, l: LedgerRecord | null): Difference | null {
  if (s === null && l === null) return null;
  if (s === null) return { kind: DifferenceKind.UNKNOWN_TO_SETTLEMENT, id: (l as LedgerRecord).id, detail: describeLedger(l as LedgerRecord) };
  if (l === null) {
    return s.height === null ? null : { kind: DifferenceKind.MISSING_ON_LEDGER, id: s.id, detail: `${describe(s)}; not on the ledger` };
  }
  const detail = `${describe(s)}; ${describeLedger(l)}`;
  // A payment cancelled while it waited in the liquidity queue was decided by the ledger: rejected `cancelled`.
  const dequeued = s.status === 'CANCELLED' && s.height !== null;
  if (!FINAL.has(s.status) && !dequeued) return { kind: DifferenceKind.PENDING_BUT_FINAL, id: s.id, detail };
  const expected = s.status === 'REJECTED' || dequeued ? 'rejected' : 'accepted';
  const reason = dequeued ? LedgerRejection.CANCELLED : s.reason;
  if (s.height === null || l.status !== expected || (expected === 'rejected' && l.reason !== reason)) {
    return { kind: DifferenceKind.OUTCOME_MISMATCH, id: s.id, detail };
  }
  if (s.height !== l.height) return { kind: DifferenceKind.HEIGHT_MISMATCH, id: s.id, detail };
  return null;
}

function postingKey(p: Posting): string {
  return `${p.account}|${p.currency}|${BigInt(p.amount).toString()}`;
}

/** True when both lists hold the same postings, in any order (a multiset comparison). */
export function samePostings(a: readonly Posting[], b: readonly Posting[]): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const p of a) counts.set(postingKey(p), (counts.get(postingKey(p)) ?? 0) + 1);
  for (const p of b) {
    const left = counts.get(postingKey(p)) ?? 0;
    if (left === 0) return false;
    counts.set(postingKey(p), left - 1);
  }
  return true;
}
