/**
 * A participant's account entries (API.md "Account entries and statements"): every posting of an accepted
 * transfer to one account, in block order, with its running balance. Pure: the validators' entry indexer feeds it
 * final blocks' leaves, and the same function recomputes entries offline from a chain.
 */
import { accountOwner } from './leaf-participants';
import { LedgerLeaf } from './ledger-leaf';
import { SystemParticipant } from '../payment/payment-transaction';

export type EntryKind = 'payment' | 'return' | 'deposit' | 'withdrawal' | 'fee';

/** An entry as the bank API shows it (`GET /v1/accounts/{currency}/entries`, API.md): amounts in major units. */
export interface StatementEntryView {
  entryId: string;
  height: number;
  at: string;
  kind: EntryKind;
  direction: 'debit' | 'credit';
  amount: string;
  balanceAfter: string;
  uetr?: string;
  returnId?: string;
  endToEndId?: string;
  counterparty?: string;
  reference?: string;
}

/** A statement as `GET /v1/accounts/{currency}/statement` answers the bank (API.md); the ops console shows the same. */
export interface StatementView {
  account: string;
  currency: string;
  fromHeight: number;
  toHeight: number;
  from: string;
  to: string;
  openingBalance: string;
  closingBalance: string;
  totalDebits: string;
  totalCredits: string;
  entryCount: number;
  interim: boolean;
  entries: StatementEntryView[];
}

export interface AccountEntry {
  account: string;
  height: number;
  /** The transaction's position in its block. */
  idx: number;
  /** The posting's position in its transaction. */
  leg: number;
  txId: string;
  uetr?: string;
  returnId?: string;
  kind: EntryKind;
  /** Signed minor units: credit > 0, debit < 0. */
  amount: bigint;
  balanceAfter: bigint;
  /** Broker time of the block, Unix ms. */
  blockTime: number;
  /** The other participant of the transaction (EXTERNAL for deposits and withdrawals), when there is one. */
  counterparty?: string;
}

const SYSTEM = new Set<string>(Object.values(SystemParticipant));

/** Accounts entries are kept for: participants' settlement accounts (the system accounts have operators' reports). */
export const isParticipantAccount = (account: string): boolean => !SYSTEM.has(accountOwner(account));

function kindOf(leaf: LedgerLeaf, account: string, amount: bigint): EntryKind {
  if (leaf.returnId) return 'return';
  if (leaf.uetr) return 'payment';
  if (accountOwner(account) === SystemParticipant.FEES) return 'fee';
  return amount > 0n ? 'deposit' : 'withdrawal';
}

function counterpartyOf(leaf: LedgerLeaf, account: string): string | undefined {
  const self = accountOwner(account);
  const owners = (leaf.postings ?? []).map((p) => accountOwner(p.account));
  const other = owners.find((o) => o !== self && !SYSTEM.has(o));
  if (other) return other;
  if (owners.includes(SystemParticipant.EXTERNAL)) return SystemParticipant.EXTERNAL;
  // A payment between two accounts of one participant (its own FX conversion): the counterparty is itself.
  return owners.filter((o) => o === self).length > 1 ? self : undefined;
}

/**
 * The entries one final block makes on the accounts `include` selects, in block order (transaction, then posting),
 * each with the balance after it. `balances` holds each account's balance before the block (absent: 0) and is
 * advanced in place, so consecutive blocks chain.
 */
export function blockEntries(
  block: { height: number; blockTime: number; leaves: readonly LedgerLeaf[] },
  balances: Map<string, bigint>,
  include: (account: string) => boolean = isParticipantAccount,
): AccountEntry[] {
  const out: AccountEntry[] = [];
  block.leaves.forEach((leaf, idx) => {
    if (leaf.kind !== 'transfer' || leaf.outcome.status !== 'accepted') return;
    (leaf.postings ?? []).forEach((p, leg) => {
      if (!include(p.account)) return;
      const amount = BigInt(p.amount);
      const balanceAfter = (balances.get(p.account) ?? 0n) + amount;
      balances.set(p.account, balanceAfter);
      const counterparty = counterpartyOf(leaf, p.account);
      out.push({
        account: p.account,
        height: block.height,
        idx,
        leg,
        txId: leaf.id,
        ...(leaf.uetr ? { uetr: leaf.uetr } : {}),
        ...(leaf.returnId ? { returnId: leaf.returnId } : {}),
        kind: kindOf(leaf, p.account, amount),
        amount,
        balanceAfter,
        blockTime: block.blockTime,
        ...(counterparty ? { counterparty } : {}),
      });
    });
  });
  return out;
}
