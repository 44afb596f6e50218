/**
 * The liquidity queue (API.md "Liquidity queue", DOMAIN.md): transfers that may wait for funds instead of being
 * rejected for want of them, kept per debtor account in order of arrival, and decided after each block: timed out by
 * block time, released first in, first out while the funds allow, and then offset together (gridlock resolution,
 * `gridlock.ts`). It runs beside the validators' {@link LedgerState} and, like it, is pure and deterministic: driven
 * only by the ordered stream and the broker times of its entries, never by a local clock or the order of a Map.
 *
 * The validators, settlement and the API do not use it yet (docs/ledger.md, "Liquidity queue"): this is its core,
 * with what a validator needs to persist and restore it (`entries`, the constructor) and to hash it into its state
 * digest (`digestText`).
 */
import { LedgerTransfer } from '../messages/schemas';
import { QueuedTransfer, resolveGridlock } from './gridlock';
import { LedgerOutcome, LedgerRejection } from './ledger-rejection';
import { LedgerState } from './ledger-state';

/** A transfer waiting in a debtor account's queue. */
export interface QueueEntry {
  tx: LedgerTransfer;
  /** The debtor account whose queue it is in: the account of its first debit posting. */
  account: string;
  /** Order of arrival across all queues (1, 2, …); never reused. */
  seq: number;
  /** Broker time it reached the ledger (its `notAfter` is judged at this time, not at release). */
  arrivedAt: number;
  /** Block time from which it is rejected with `queue_timeout` if still waiting. */
  expiresAt: number;
}

/** How a queued transfer ended, in the order the queue decided them. */
export interface QueueDecision {
  tx: LedgerTransfer;
  outcome: LedgerOutcome;
  /** timeout: its time ran out; release: first in line and funded; gridlock: settled together with others. */
  via: 'timeout' | 'release' | 'gridlock';
}

export type OfferOutcome = LedgerOutcome | { status: 'queued' };

const SHORT_OF_FUNDS: ReadonlySet<string> = new Set([LedgerRejection.INSUFFICIENT_FUNDS, LedgerRejection.LIMIT_EXCEEDED]);

/** The account a transfer debits first: its debtor's, by how payments list their postings. */
function debtorAccount(tx: LedgerTransfer): string | undefined {
  return tx.postings.find((p) => p.amount.startsWith('-'))?.account;
}

export class LiquidityQueue {
  private readonly queues = new Map<string, QueueEntry[]>();
  private nextSeq: number;

  /** `entries` as {@link entries} gave them (a validator restoring its state); `nextSeq` as {@link sequence}. */
  constructor(
    private readonly state: LedgerState,
    entries: readonly QueueEntry[] = [],
    nextSeq = 1,
  ) {
    for (const e of [...entries].sort((a, b) => a.seq - b.seq)) this.push(e);
    this.nextSeq = Math.max(nextSeq, ...entries.map((e) => e.seq + 1));
  }

  /**
   * A transfer arriving at broker time `timestampMs`. With `queueForMs`, one the ledger would reject for want of funds
   * (or whose debtor account already has transfers waiting: they go first) waits in its debtor account's queue for
   * that long; anything else is judged and applied by the state machine as always.
   */
  offer(tx: LedgerTransfer, timestampMs: number, queueForMs?: number): OfferOutcome {
    if (queueForMs === undefined) return this.state.applyTransfer(tx, timestampMs);
    const account = debtorAccount(tx);
    if (account !== undefined && (this.queues.get(account)?.length ?? 0) > 0) {
      // Behind those already waiting (first in, first out), if it is a transfer the ledger could ever accept.
      const judged = this.state.judgeTransfer(tx, timestampMs);
      if (judged.status === 'rejected' && !SHORT_OF_FUNDS.has(judged.reason)) return judged;
      return this.enqueue(tx, account, timestampMs, queueForMs);
    }
    const outcome = this.state.applyTransfer(tx, timestampMs);
    if (outcome.status === 'rejected' && SHORT_OF_FUNDS.has(outcome.reason) && account !== undefined) {
      return this.enqueue(tx, account, timestampMs, queueForMs);
    }
    return outcome;
  }

  /**
   * After a block whose time is `blockTimeMs`: transfers whose time ran out are rejected (`queue_timeout`); then each
   * queue, in account order, releases from its head while the head settles alone, until no queue can; then the largest
   * set the remaining queues can settle together is settled at once. Answers the decisions in that order.
   */
  settle(blockTimeMs: number): QueueDecision[] {
    const decisions: QueueDecision[] = [];
    const expired = this.all().filter((e) => e.expiresAt <= blockTimeMs);
    for (const e of expired) {
      this.remove(e);
      decisions.push({ tx: e.tx, outcome: { status: 'rejected', reason: LedgerRejection.QUEUE_TIMEOUT }, via: 'timeout' });
    }
    this.releaseInOrder(decisions);
    if (this.queues.size > 0) {
      const positions = new Map(this.state.allAccounts().map((a) => [a.id, { balance: a.balance, netDebitCap: a.netDebitCap }]));
      // Each queue up to its first transfer that could not settle whatever the funds (a participant suspended since):
      // that one is refused when it reaches the head, and blocks what waits behind it until then.
      const waiting = new Map(
        [...this.queues].map(([account, list]) => {
          const stop = list.findIndex((e) => this.state.structuralProblem(e.tx, e.arrivedAt) !== null);
          const usable = stop === -1 ? list : list.slice(0, stop);
          return [account, usable.map((e): QueuedTransfer => ({ id: e.tx.id, queue: account, seq: e.seq, postings: postingsOf(e.tx) }))];
        }),
      );
      const chosen = resolveGridlock(positions, waiting);
      if (chosen.length > 0) {
        const bySeq = new Map(this.all().map((e) => [e.seq, e]));
        const entries = chosen.map((c) => bySeq.get(c.seq) as QueueEntry);
        const arrived = new Map(entries.map((e) => [e.tx, e.arrivedAt]));
        const outcome = this.state.applyTogether(
          entries.map((e) => e.tx),
          (tx) => arrived.get(tx) as number,
        );
        if (outcome.status !== 'accepted')
          throw new Error(`liquidity queue: the gridlock set was refused (${outcome.reason}); the resolver and the state disagree`);
        for (const e of entries) {
          this.remove(e);
          decisions.push({ tx: e.tx, outcome, via: 'gridlock' });
        }
        this.releaseInOrder(decisions);
      }
    }
    return decisions;
  }

  /** Every waiting transfer, in order of arrival (what a validator persists). */
  entries(): QueueEntry[] {
    return this.all();
  }

  /** The next sequence number (persisted with the entries). */
  get sequence(): number {
    return this.nextSeq;
  }

  /** Per debtor account, what its waiting transfers would take from it (positive minor units). */
  queuedTotals(): Map<string, bigint> {
    const totals = new Map<string, bigint>();
    for (const [account, list] of [...this.queues].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let sum = 0n;
      for (const e of list) for (const p of e.tx.postings) if (p.account === account) sum -= BigInt(p.amount);
      totals.set(account, sum);
    }
    return totals;
  }

  /**
   * The queue as it enters a validator's state digest: `[[seq,account,id,arrivedAt,expiresAt],…]` in order of arrival
   * and the next sequence number; '' when nothing waits and nothing ever did, so a ledger that never queued keeps the
   * digests it always had.
   */
  digestText(): string {
    if (this.nextSeq === 1) return '';
    const items = this.all().map((e) => `[${e.seq},${JSON.stringify(e.account)},${JSON.stringify(e.tx.id)},${e.arrivedAt},${e.expiresAt}]`);
    return `{"next":${this.nextSeq},"queued":[${items.join(',')}]}`;
  }

  private enqueue(tx: LedgerTransfer, account: string, timestampMs: number, queueForMs: number): OfferOutcome {
    this.push({ tx, account, seq: this.nextSeq++, arrivedAt: timestampMs, expiresAt: timestampMs + queueForMs });
    return { status: 'queued' };
  }

  /** Heads that settle alone, queue after queue in account order, round after round until none does. */
  private releaseInOrder(decisions: QueueDecision[]): void {
    for (let progress = true; progress;) {
      progress = false;
      for (const account of [...this.queues.keys()].sort()) {
        for (let head = this.queues.get(account)?.[0]; head; head = this.queues.get(account)?.[0]) {
          const outcome = this.state.applyTransfer(head.tx, head.arrivedAt);
          if (outcome.status === 'rejected' && SHORT_OF_FUNDS.has(outcome.reason)) break;
          // Settled, or refused for good (an account closed, a participant suspended): either way it leaves the line.
          this.remove(head);
          decisions.push({ tx: head.tx, outcome, via: 'release' });
          progress = true;
        }
      }
    }
  }

  private all(): QueueEntry[] {
    return [...this.queues.values()].flat().sort((a, b) => a.seq - b.seq);
  }

  private push(e: QueueEntry): void {
    const list = this.queues.get(e.account);
    if (list) list.push(e);
    else this.queues.set(e.account, [e]);
  }

  private remove(e: QueueEntry): void {
    const list = this.queues.get(e.account) ?? [];
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.queues.delete(e.account);
  }
}

function postingsOf(tx: LedgerTransfer): { account: string; amount: bigint }[] {
  return tx.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount) }));
}
