/**
 * Gridlock resolution for the liquidity queue (API.md "Liquidity queue", DOMAIN.md): of the transfers waiting in the
 * queues of their debtor accounts, the largest set that can settle at once because, netted together, every account
 * they touch stays within its limit. A and B each owing the other more than it holds, neither can pay first; both
 * settle together when the offsetting leaves both funded.
 *
 * Pure and deterministic (validators run it on the same state and get the same set): no clock, no I/O, no order of
 * a Map or Set iteration reaches the result. Each queue is first in, first out: a set takes a prefix of every queue.
 *
 * The algorithm (the one RTGS liquidity-saving mechanisms use, with the order made exact): start from every queued
 * transfer; while some account would end below its limit, take back the latest-queued transfer that debits it, with
 * everything queued after it in the same queue. When each transfer debits only its own queue's account (a payment
 * between two participants in one currency), the sets that can settle are closed under taking, queue by queue, the
 * longer prefix (an account's outflow then comes from its own queue and its inflows only grow), so there is one
 * largest such set, every transfer taken back is outside it, and the algorithm ends on exactly that set: the largest
 * by count and by each queue. With transfers that also debit accounts of no queue of theirs (an FX payment's
 * FXDESK leg), the result is still a set that can settle, FIFO in every queue, and maximal under the same rule; it is
 * no longer proven the largest. Each transfer is taken back at most once: O(transfers × postings + takings ×
 * accounts), bounded in `npm run bench:ledger -- --gridlock` (docs/ledger.md).
 */

/** A queued transfer as the resolver sees it. */
export interface QueuedTransfer {
  id: string;
  /** The debtor account whose queue it waits in. */
  queue: string;
  /** Its place in the order of arrival across all queues: smaller came first. Unique. */
  seq: number;
  /** Signed amounts per account (minor units), as its postings move them; they balance per currency. */
  postings: readonly { account: string; amount: bigint }[];
}

/** An account's position before the queued transfers: its balance and how far below zero it may go (null: no limit). */
export interface AccountPosition {
  balance: bigint;
  netDebitCap: bigint | null;
}

const belowLimit = (position: AccountPosition | undefined, delta: bigint): boolean =>
  position === undefined || (position.netDebitCap !== null && position.balance + delta < -position.netDebitCap);

/**
 * The transfers to settle together, in order of arrival. `queues` maps each debtor account to its transfers in FIFO
 * order; a transfer touching an account not in `accounts` can never settle, and blocks its queue behind it.
 */
export function resolveGridlock(accounts: ReadonlyMap<string, AccountPosition>, queues: ReadonlyMap<string, readonly QueuedTransfer[]>): QueuedTransfer[] {
  // Each queue as a prefix: its transfers up to (not including) the first that touches an unknown account.
  const order = [...queues.keys()].sort();
  const items: QueuedTransfer[][] = [];
  const length: number[] = [];
  for (const key of order) {
    const queue = queues.get(key) ?? [];
    let n = 0;
    while (n < queue.length && queue[n].postings.every((p) => accounts.has(p.account))) n++;
    items.push(queue.slice(0, n));
    length.push(n);
  }
  const queueIndex = new Map(order.map((key, i) => [key, i]));
  // Position of each transfer in its queue, and what the included transfers move per account.
  const place = new Map<QueuedTransfer, number>();
  const delta = new Map<string, bigint>();
  /** Per account, the included transfers debiting it in order of arrival (taken from the end; a taken one is skipped). */
  const debits = new Map<string, QueuedTransfer[]>();
  for (const queue of items) {
    for (const [i, t] of queue.entries()) {
      place.set(t, i);
      for (const p of t.postings) {
        delta.set(p.account, (delta.get(p.account) ?? 0n) + p.amount);
        if (p.amount < 0n) {
          const list = debits.get(p.account);
          if (list) list.push(t);
          else debits.set(p.account, [t]);
        }
      }
    }
  }
  for (const list of debits.values()) list.sort((a, b) => a.seq - b.seq);
  const short = new Set<string>();
  for (const [account, d] of delta) if (d < 0n && belowLimit(accounts.get(account), d)) short.add(account);
  const included = (t: QueuedTransfer): boolean => (place.get(t) as number) < length[queueIndex.get(t.queue) as number];

  while (short.size > 0) {
    // The smallest account id first, so that the result never depends on the order of a Set.
    let account = '';
    for (const a of short) if (account === '' || a < account) account = a;
    const list = debits.get(account) ?? [];
    while (list.length > 0 && !included(list[list.length - 1])) list.pop();
    const latest = list.pop();
    if (!latest) {
      // Nothing included debits it: its balance alone is short, which the state machine never allows.
      short.delete(account);
      continue;
    }
    // Take back the latest transfer debiting the account and everything queued after it in its own queue.
    const q = queueIndex.get(latest.queue) as number;
    const from = place.get(latest) as number;
    for (let i = length[q] - 1; i >= from; i--) {
      for (const p of items[q][i].postings) {
        const d = (delta.get(p.account) ?? 0n) - p.amount;
        delta.set(p.account, d);
        if (d < 0n && belowLimit(accounts.get(p.account), d)) short.add(p.account);
        else short.delete(p.account);
      }
    }
    length[q] = from;
  }
  return items.flatMap((queue, q) => queue.slice(0, length[q])).sort((a, b) => a.seq - b.seq);
}
