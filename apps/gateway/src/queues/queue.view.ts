import { QueueView, asCurrency, formatAmount } from '@nostro/shared';
import type { LedgerQueue } from '../ledger/ledger.client';

/**
 * One debtor account's liquidity queue as `GET /v1/admin/queues` shows it (API.md "Liquidity queue"), at `now`
 * (Unix ms). Amounts in major units of the account's currency. `shortfall` is what the queue waits for: its queued
 * total beyond what the account can pay (balance + net debit cap), never below zero. Each entry's `shortfall` is the
 * same for the entries up to and including it (FIFO: it is released once the account covers them all); `age` is
 * whole seconds since it was queued.
 */
export function queueView(q: LedgerQueue, now: number): QueueView {
  const currency = asCurrency(q.currency);
  const available = BigInt(q.balance) + BigInt(q.netDebitCap ?? '0');
  const short = (total: bigint) => formatAmount(total > available ? total - available : 0n, currency);
  let ahead = 0n;
  const entries = q.entries.map((e) => {
    ahead += BigInt(e.amount);
    return {
      uetr: e.uetr ?? null,
      txId: e.id,
      amount: formatAmount(BigInt(e.amount), currency),
      arrivedAt: new Date(e.arrivedAt).toISOString(),
      age: Math.max(0, Math.floor((now - e.arrivedAt) / 1_000)),
      queuedUntil: new Date(e.expiresAt).toISOString(),
      shortfall: short(ahead),
    };
  });
  return {
    account: q.account,
    participant: q.participant,
    currency,
    balance: formatAmount(BigInt(q.balance), currency),
    netDebitCap: formatAmount(BigInt(q.netDebitCap ?? '0'), currency),
    queued: formatAmount(BigInt(q.queued), currency),
    shortfall: short(BigInt(q.queued)),
    oldestAge: entries.reduce((oldest, e) => Math.max(oldest, e.age), 0),
    entries,
  };
}
