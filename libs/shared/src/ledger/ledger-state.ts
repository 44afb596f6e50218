import { LedgerConfig, LedgerTransfer } from '../messages/schemas';
import { LedgerOutcome, LedgerRejection } from './ledger-rejection';

/** One settlement account as a validator holds it. */
export interface AccountState {
  id: string;
  participant: string;
  currency: string;
  balance: bigint;
  /** How far below zero the balance may go; null = unlimited (EXTERNAL). */
  netDebitCap: bigint | null;
}

/** What a validator's decisions depend on; all of it arrives through the ordered stream. */
export interface LedgerSnapshot {
  accounts: AccountState[];
  suspended: string[];
}

/** What changed since the previous `takeChanges()`, so a block persists only what moved. */
export interface StateChanges {
  /** Accounts opened since (with their current balance and limit). */
  created: AccountState[];
  /** Accounts that existed before and whose balance or limit changed. */
  updated: AccountState[];
  /** The full sorted suspension list when it changed, else null. */
  suspended: string[] | null;
}

const rejected = (reason: LedgerRejection): LedgerOutcome => ({ status: 'rejected', reason });
const ACCEPTED: LedgerOutcome = { status: 'accepted' };

/**
 * The deterministic ledger state machine: every honest validator that applies the same entries in the same order
 * reaches the same balances and the same outcomes. Pure: no clock, no I/O.
 */
export class LedgerState {
  private readonly accounts = new Map<string, AccountState>();
  private readonly suspended = new Set<string>();
  /** Accounts changed since the last `takeChanges()`. */
  private dirty = new Set<string>();
  private created = new Set<string>();
  private suspendedChanged = false;
  /** Accounts in id order, rebuilt only when an account is opened (the state digest walks it every block). */
  private sorted: AccountState[] | null = null;

  constructor(snapshot: LedgerSnapshot = { accounts: [], suspended: [] }) {
    for (const account of snapshot.accounts) this.accounts.set(account.id, { ...account });
    for (const participant of snapshot.suspended) this.suspended.add(participant);
  }

  account(id: string): AccountState | undefined {
    return this.accounts.get(id);
  }

  isSuspended(participant: string): boolean {
    return this.suspended.has(participant);
  }

  allAccounts(): AccountState[] {
    return [...this.accounts.values()];
  }

  suspendedParticipants(): string[] {
    return [...this.suspended].sort();
  }

  /** Accounts in ascending id order (UTF-16 code units, as JCS sorts). Do not mutate. */
  sortedAccounts(): readonly AccountState[] {
    this.sorted ??= [...this.accounts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sorted;
  }

  /** Copies of what changed since the previous call. */
  takeChanges(): StateChanges {
    const created: AccountState[] = [];
    const updated: AccountState[] = [];
    for (const id of this.dirty) {
      const copy = { ...(this.accounts.get(id) as AccountState) };
      (this.created.has(id) ? created : updated).push(copy);
    }
    const suspended = this.suspendedChanged ? this.suspendedParticipants() : null;
    this.dirty = new Set();
    this.created = new Set();
    this.suspendedChanged = false;
    return { created, updated, suspended };
  }

  /** The outcome a transfer would have at the broker time `timestampMs`, without applying it. */
  judgeTransfer(tx: LedgerTransfer, timestampMs: number): LedgerOutcome {
    const checked = this.checkTransfer(tx, timestampMs);
    return typeof checked === 'string' ? rejected(checked) : ACCEPTED;
  }

  /** Validates and, if accepted, applies a transfer at the broker time `timestampMs`. */
  applyTransfer(tx: LedgerTransfer, timestampMs: number): LedgerOutcome {
    const checked = this.checkTransfer(tx, timestampMs);
    if (typeof checked === 'string') return rejected(checked);
    for (const [account, delta] of checked) {
      account.balance += delta;
      this.dirty.add(account.id);
    }
    return ACCEPTED;
  }

  applyConfig(config: LedgerConfig): LedgerOutcome {
    switch (config.op) {
      case 'open_accounts':
        return this.openAccounts(config);
      case 'set_limits':
        return this.setLimits(config);
      case 'suspend':
      case 'resume':
        return this.setSuspended(config);
    }
  }

  /** Why a transfer could never be accepted as it stands (limits aside), or null: the liquidity queue's test. */
  structuralProblem(tx: LedgerTransfer, timestampMs: number): LedgerRejection | null {
    const deltas = this.deltasOf(tx, timestampMs);
    return typeof deltas === 'string' ? deltas : null;
  }

  /**
   * Applies transfers together or not at all (the liquidity queue's gridlock resolution): each must be well formed
   * on its own (accounts open and in its currency, no participant suspended, no zero posting, balanced per currency,
   * `notAfter` judged at `arrivedAt(tx)`, the broker time it first reached the ledger), and only their net change per
   * account must keep every account within its limit, so payments that offset each other settle at once.
   */
  applyTogether(txs: readonly LedgerTransfer[], arrivedAt: (tx: LedgerTransfer) => number): LedgerOutcome {
    const net = new Map<AccountState, bigint>();
    for (const tx of txs) {
      const deltas = this.deltasOf(tx, arrivedAt(tx));
      if (typeof deltas === 'string') return rejected(deltas);
      for (const [account, delta] of deltas) net.set(account, (net.get(account) ?? 0n) + delta);
    }
    const short = this.limitProblem(net);
    if (short) return rejected(short);
    for (const [account, delta] of net) {
      account.balance += delta;
      this.dirty.add(account.id);
    }
    return ACCEPTED;
  }

  /** The rejection reason, or the net change per account when the transfer is acceptable. */
  private checkTransfer(tx: LedgerTransfer, timestampMs: number): LedgerRejection | Map<AccountState, bigint> {
    const deltas = this.deltasOf(tx, timestampMs);
    if (typeof deltas === 'string') return deltas;
    return this.limitProblem(deltas) ?? deltas;
  }

  /** Everything but the limits: the net change per account of a well-formed transfer, or why it is not one. */
  private deltasOf(tx: LedgerTransfer, timestampMs: number): LedgerRejection | Map<AccountState, bigint> {
    if (tx.notAfter !== undefined && timestampMs > tx.notAfter) return LedgerRejection.NOT_AFTER_PASSED;
    const sums = new Map<string, bigint>();
    const deltas = new Map<AccountState, bigint>();
    for (const posting of tx.postings) {
      const account = this.accounts.get(posting.account);
      if (!account || account.currency !== posting.currency) return LedgerRejection.ACCOUNT_UNKNOWN;
      if (this.suspended.has(account.participant)) return LedgerRejection.PARTICIPANT_SUSPENDED;
      const amount = BigInt(posting.amount);
      if (amount === 0n) return LedgerRejection.ZERO_POSTING;
      sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + amount);
      deltas.set(account, (deltas.get(account) ?? 0n) + amount);
    }
    for (const sum of sums.values()) if (sum !== 0n) return LedgerRejection.UNBALANCED;
    return deltas;
  }

  /** Why applying these changes would take an account below its limit, or null. */
  private limitProblem(deltas: ReadonlyMap<AccountState, bigint>): LedgerRejection | null {
    for (const [account, delta] of deltas) {
      if (delta >= 0n || account.netDebitCap === null) continue;
      if (account.balance + delta < -account.netDebitCap) {
        return account.netDebitCap === 0n ? LedgerRejection.INSUFFICIENT_FUNDS : LedgerRejection.LIMIT_EXCEEDED;
      }
    }
    return null;
  }

  private openAccounts(config: LedgerConfig): LedgerOutcome {
    for (const spec of config.accounts) {
      const [participant, currency] = spec.account.split(':');
      const existing = this.accounts.get(spec.account);
      if (existing) continue;
      this.accounts.set(spec.account, {
        id: spec.account,
        participant,
        currency,
        balance: 0n,
        netDebitCap: spec.netDebitCap === null ? null : BigInt(spec.netDebitCap),
      });
      this.dirty.add(spec.account);
      this.created.add(spec.account);
      this.sorted = null;
    }
    return ACCEPTED;
  }

  private setLimits(config: LedgerConfig): LedgerOutcome {
    if (config.accounts.some((spec) => !this.accounts.has(spec.account))) return rejected(LedgerRejection.ACCOUNT_UNKNOWN);
    const belowNewCap = config.accounts.some((spec) => {
      const balance = (this.accounts.get(spec.account) as AccountState).balance;
      return spec.netDebitCap !== null && balance < -BigInt(spec.netDebitCap);
    });
    if (belowNewCap) return rejected(LedgerRejection.LIMIT_BELOW_BALANCE);
    for (const spec of config.accounts) {
      const account = this.accounts.get(spec.account) as AccountState;
      account.netDebitCap = spec.netDebitCap === null ? null : BigInt(spec.netDebitCap);
      this.dirty.add(account.id);
    }
    return ACCEPTED;
  }

  private setSuspended(config: LedgerConfig): LedgerOutcome {
    if (!config.participant) return rejected(LedgerRejection.PARTICIPANT_REQUIRED);
    const before = this.suspended.size;
    if (config.op === 'suspend') this.suspended.add(config.participant);
    else this.suspended.delete(config.participant);
    if (this.suspended.size !== before) this.suspendedChanged = true;
    return ACCEPTED;
  }
}
