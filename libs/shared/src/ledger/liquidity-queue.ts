/**
 * The liquidity queue (API.md "Liquidity queue", DOMAIN.md): transfers that may wait for funds instead of being
 * rejected for want of them, kept per debtor account in order of arrival, and decided after each block: timed out by
 * block time, released first in, first out while the funds allow, and then offset together (gridlock resolution,
 * `gridlock.ts`). It runs beside the validators' {@link LedgerState} and, like it, is pure and deterministic: driven
 * only by the ordered stream and the broker times of its entries, never by a local clock or the order of a Map.
 *
 * The block cutter drives it (`offer` for each transfer that may wait, `settle` when it seals a block, `dequeue` for a
 * cancel); a validator persists it (`entries`, `sequence`, the constructor) and hashes it into its state digest
 * (`digestText`), and the offline chain verifier keeps a mirror of it from the blocks' queue records.
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
  /** How long it may wait, counted from the time of the block in which it was queued. */
  queueForMs: number;
  /** Block time from which it is rejected with `queue_timeout` if still waiting; null until its block is sealed. */
  expiresAt: number | null;
}

/** How a queued transfer ended, in the order the queue decided them. */
export interface QueueDecision {
  tx: LedgerTransfer;
  /** Its queue entry's sequence number. */
  seq: number;
  outcome: LedgerOutcome;
  /** timeout: its time ran out; release: first in line and funded; gridlock: settled together with others. */
  via: 'timeout' | 'release' | 'gridlock';
}

/**
 * One payment waiting in a debtor account's queue as `GET /v1/admin/queues` shows it (API.md "Liquidity queue"); the
 * ops console shows the same. Amounts in major units of the queue's currency.
 */
export interface QueueEntryView {
  /** The payment's UETR; null for a ledger transfer that is no gateway payment. */
  uetr: string | null;
  txId: string;
  amount: string;
  /** When the ledger first found it short (a block time). */
  arrivedAt: string;
  /** Whole seconds since `arrivedAt`, at the answer's `at`. */
  age: number;
  /** The block time at which the ledger rejects it `queue_timeout`. */
  queuedUntil: string;
  /** What the account lacks to release the entries up to and including this one (release is FIFO). */
  shortfall: string;
}

/** One debtor account's liquidity queue as `GET /v1/admin/queues` shows it; the ops console shows the same. */
export interface QueueView {
  account: string;
  participant: string;
  currency: string;
  balance: string;
  netDebitCap: string;
  /** The entries' amounts summed. */
  queued: string;
  /** What the queue waits for: queued − (balance + netDebitCap), at least zero. */
  shortfall: string;
  oldestAge: number;
  /** In release order (FIFO). */
  entries: QueueEntryView[];
}

/** A page of queues in account order, as of the block `height` the answering validator last applied. */
export interface QueuePageView {
  height: number;
  at: string;
  data: QueueView[];
  nextCursor: string | null;
}

export type OfferOutcome = LedgerOutcome | { status: 'queued' };

const SHORT_OF_FUNDS: ReadonlySet<string> = new Set([LedgerRejection.INSUFFICIENT_FUNDS, LedgerRejection.LIMIT_EXCEEDED]);

/** The account a transfer debits first: its debtor's, by how payments list their postings. */
function debtorAccount(tx: LedgerTransfer): string | undefined {
  return tx.postings.find((p) => p.amount.startsWith('-'))?.account;
}

export class LiquidityQueue {
  private readonly queues = new Map<string, QueueEntry[]>();
  private readonly byId = new Map<string, QueueEntry>();
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
  offer(tx: LedgerTransfer, timestampMs: number, queueForMs: number | undefined = tx.queueForMs): OfferOutcome {
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
   * After a block whose time is `blockTimeMs`: transfers queued in it get their deadline (`blockTimeMs` + their queue
   * time); transfers whose time ran out are rejected (`queue_timeout`); then each
   * queue, in account order, releases from its head while the head settles alone, until no queue can; then the largest
   * set the remaining queues can settle together is settled at once. Answers the decisions in that order.
   */
  settle(blockTimeMs: number): QueueDecision[] {
    const decisions: QueueDecision[] = [];
    for (const e of this.byId.values()) e.expiresAt ??= blockTimeMs + e.queueForMs;
    const expired = [...this.byId.values()].filter((e) => (e.expiresAt as number) <= blockTimeMs).sort((a, b) => a.seq - b.seq);
    for (const e of expired) {
      this.remove(e);
      decisions.push({ tx: e.tx, seq: e.seq, outcome: { status: 'rejected', reason: LedgerRejection.QUEUE_TIMEOUT }, via: 'timeout' });
    }
    this.releaseInOrder(decisions);
    if (this.queues.size > 0) {
      const positions = new Map(this.state.allAccounts().map((a) => [a.id, { balance: a.balance, netDebitCap: a.netDebitCap }]));
      const suspended = new Set(this.state.suspendedParticipants());
      // Each queue up to its first transfer that could not settle whatever the funds (a participant suspended since):
      // that one is refused when it reaches the head, and blocks what waits behind it until then.
      const waiting = new Map(
        [...this.queues].map(([account, list]) => {
          // What was true of a transfer when it was queued (accounts, currencies, balance) still is, but for a
          // suspension since: only then is each one checked again (the common case costs nothing).
          const stop = suspended.size === 0 ? -1 : list.findIndex((e) => this.state.structuralProblem(e.tx, e.arrivedAt) !== null);
          const usable = stop === -1 ? list : list.slice(0, stop);
          return [account, usable.map((e): QueuedTransfer => ({ id: e.tx.id, queue: account, seq: e.seq, postings: postingsOf(e.tx) }))];
        }),
      );
      const chosen = resolveGridlock(positions, waiting);
      if (chosen.length > 0) {
        const bySeq = new Map([...this.byId.values()].map((e) => [e.seq, e]));
        const entries = chosen.map((c) => bySeq.get(c.seq) as QueueEntry);
        const arrived = new Map(entries.map((e) => [e.tx, e.arrivedAt]));
        const outcome = this.state.applyTogether(
          entries.map((e) => e.tx),
          (tx) => arrived.get(tx) as number,
        );
        if (outcome.status !== 'accepted')
          throw new Error(`liquidity queue: the gridlock set was refused (${outcome.reason}); the resolver and the state disagree`);
        this.removeAll(entries);
        for (const e of entries) decisions.push({ tx: e.tx, seq: e.seq, outcome, via: 'gridlock' });
        this.releaseInOrder(decisions);
      }
    }
    return decisions;
  }

  /** True while the transfer `id` waits in a queue (a second copy of it is a duplicate, like a recorded one). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The waiting transfer `id`, if any. */
  entry(id: string): QueueEntry | undefined {
    return this.byId.get(id);
  }

  /** Takes the transfer `id` out of its queue (a cancel); answers its entry, or undefined when it does not wait. */
  dequeue(id: string): QueueEntry | undefined {
    const e = this.byId.get(id);
    if (e) this.remove(e);
    return e;
  }

  /** How many transfers wait. */
  get size(): number {
    return this.byId.size;
  }

  /** The earliest deadline among the waiting transfers (null when none waits or none has one yet). */
  nextExpiry(): number | null {
    let first: number | null = null;
    for (const e of this.byId.values()) if (e.expiresAt !== null && (first === null || e.expiresAt < first)) first = e.expiresAt;
    return first;
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
    return queuedTotals(this.all());
  }

  /**
   * The queue as it enters a validator's state digest: `[[seq,account,id,arrivedAt,expiresAt],…]` in order of arrival
   * and the next sequence number; '' when nothing waits and nothing ever did, so a ledger that never queued keeps the
   * digests it always had.
   */
  digestText(): string {
    if (this.nextSeq === 1) return '';
    return queueDigestText(
      this.nextSeq,
      this.all().map((e) => ({ seq: e.seq, account: e.account, id: e.tx.id, arrivedAt: e.arrivedAt, expiresAt: e.expiresAt })),
    );
  }

  private enqueue(tx: LedgerTransfer, account: string, timestampMs: number, queueForMs: number): OfferOutcome {
    this.push({ tx, account, seq: this.nextSeq++, arrivedAt: timestampMs, queueForMs, expiresAt: null });
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
          decisions.push({ tx: head.tx, seq: head.seq, outcome, via: 'release' });
          progress = true;
        }
      }
    }
  }

  private all(): QueueEntry[] {
    return [...this.queues.values()].flat().sort((a, b) => a.seq - b.seq);
  }

  private push(e: QueueEntry): void {
    this.byId.set(e.tx.id, e);
    const list = this.queues.get(e.account);
    if (list) list.push(e);
    else this.queues.set(e.account, [e]);
  }

  /** Takes many out at once (a gridlock set): each queue filtered once, not searched once per entry. */
  private removeAll(entries: readonly QueueEntry[]): void {
    const gone = new Set(entries);
    for (const account of new Set(entries.map((e) => e.account))) {
      const left = (this.queues.get(account) ?? []).filter((e) => !gone.has(e));
      if (left.length === 0) this.queues.delete(account);
      else this.queues.set(account, left);
    }
    for (const e of entries) this.byId.delete(e.tx.id);
  }

  private remove(e: QueueEntry): void {
    this.byId.delete(e.tx.id);
    const list = this.queues.get(e.account) ?? [];
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.queues.delete(e.account);
  }
}

/** What a transfer takes from `account` (positive minor units): the sum of its postings to it, negated. */
export function debitOf(tx: LedgerTransfer, account: string): bigint {
  let sum = 0n;
  for (const p of tx.postings) if (p.account === account) sum -= BigInt(p.amount);
  return sum;
}

/** Per debtor account, what the given waiting transfers would take from it. */
export function queuedTotals(waiting: readonly Pick<QueueEntry, 'account' | 'tx'>[]): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const w of waiting) totals.set(w.account, (totals.get(w.account) ?? 0n) + debitOf(w.tx, w.account));
  return totals;
}

/** What a waiting transfer contributes to the state digest (and what a block's queue record says of it). */
export interface QueueDigestItem {
  seq: number;
  account: string;
  id: string;
  arrivedAt: number;
  expiresAt: number | null;
}

/**
 * The queue's part of a state digest (see `digestText`): `{"next":n,"queued":[[seq,account,id,arrivedAt,expiresAt],…]}`
 * in order of arrival. The offline chain verifier computes it from its mirror of the queue.
 */
export function queueDigestText(nextSeq: number, items: readonly QueueDigestItem[]): string {
  const list = items.map((e) => `[${e.seq},${JSON.stringify(e.account)},${JSON.stringify(e.id)},${e.arrivedAt},${e.expiresAt ?? 'null'}]`);
  return `{"next":${nextSeq},"queued":[${list.join(',')}]}`;
}

function postingsOf(tx: LedgerTransfer): { account: string; amount: bigint }[] {
  return tx.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount) }));
}
