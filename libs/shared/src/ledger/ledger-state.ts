import { LedgerConfig, LedgerTransfer, Outcome } from '../messages/schemas';

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

const rejected = (reason: string): Outcome => ({ status: 'rejected', reason });
const ACCEPTED: Outcome = { status: 'accepted' };

/**
 * The deterministic ledger state machine: every honest validator that applies the same entries in the same order
 * reaches the same balances and the same outcomes. Pure: no clock, no I/O.
 */
export class LedgerState {
  private readonly accounts = new Map<string, AccountState>();
  private readonly suspended = new Set<string>();
  /** Accounts changed since the last `takeDirty()`, so a block persists only what moved. */
  private dirty = new Set<string>();

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

  /** Accounts changed since the previous call. */
  takeDirty(): AccountState[] {
    const changed = [...this.dirty].map((id) => this.accounts.get(id) as AccountState);
    this.dirty = new Set();
    return changed;
  }

  /** Validates and, if accepted, applies a transfer at the broker time `timestampMs`. */
  applyTransfer(tx: LedgerTransfer, timestampMs: number): Outcome {
    const problem = this.checkTransfer(tx, timestampMs);
    if (problem) return rejected(problem);
    for (const posting of tx.postings) {
      const account = this.accounts.get(posting.account) as AccountState;
      account.balance += BigInt(posting.amount);
      this.dirty.add(account.id);
    }
    return ACCEPTED;
  }

  applyConfig(config: LedgerConfig): Outcome {
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

  private checkTransfer(tx: LedgerTransfer, timestampMs: number): string | null {
    if (tx.notAfter !== undefined && timestampMs > tx.notAfter) return 'not_after_passed';
    const sums = new Map<string, bigint>();
    const deltas = new Map<string, bigint>();
    for (const posting of tx.postings) {
      const account = this.accounts.get(posting.account);
      if (!account || account.currency !== posting.currency) return 'account_unknown';
      if (this.suspended.has(account.participant)) return 'participant_suspended';
      const amount = BigInt(posting.amount);
      if (amount === 0n) return 'zero_posting';
      sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + amount);
      deltas.set(account.id, (deltas.get(account.id) ?? 0n) + amount);
    }
    for (const sum of sums.values()) if (sum !== 0n) return 'unbalanced';
    for (const [id, delta] of deltas) {
      const account = this.accounts.get(id) as AccountState;
      if (delta >= 0n || account.netDebitCap === null) continue;
      if (account.balance + delta < -account.netDebitCap) {
        return account.netDebitCap === 0n ? 'insufficient_funds' : 'limit_exceeded';
      }
    }
    return null;
  }

  private openAccounts(config: LedgerConfig): Outcome {
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
    }
    return ACCEPTED;
  }

  private setLimits(config: LedgerConfig): Outcome {
    if (config.accounts.some((spec) => !this.accounts.has(spec.account))) return rejected('account_unknown');
    const belowNewCap = config.accounts.some((spec) => {
      const balance = (this.accounts.get(spec.account) as AccountState).balance;
      return spec.netDebitCap !== null && balance < -BigInt(spec.netDebitCap);
    });
    if (belowNewCap) return rejected('limit_below_balance');
    for (const spec of config.accounts) {
      const account = this.accounts.get(spec.account) as AccountState;
      account.netDebitCap = spec.netDebitCap === null ? null : BigInt(spec.netDebitCap);
      this.dirty.add(account.id);
    }
    return ACCEPTED;
  }

  private setSuspended(config: LedgerConfig): Outcome {
    if (!config.participant) return rejected('participant_required');
    if (config.op === 'suspend') this.suspended.add(config.participant);
    else this.suspended.delete(config.participant);
    return ACCEPTED;
  }
}
