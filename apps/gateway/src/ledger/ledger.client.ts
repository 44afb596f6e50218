import { ledgerError } from './ledger.errors';
import type { EntryKind } from '@nostro/shared';

const TIMEOUT_MS = 3_000;

/** An account entry as a validator's entry indexer stored it (minor units as strings). */
export interface LedgerEntry {
  account: string;
  height: number;
  idx: number;
  leg: number;
  tx_id: string;
  uetr: string | null;
  return_id: string | null;
  kind: EntryKind;
  amount: string;
  balance_after: string;
  counterparty: string | null;
  block_time: number;
}

export interface LedgerBalance {
  account: string;
  currency: string;
  balance: string;
  netDebitCap: string | null;
  /** What the account's queued payments would debit (minor units); absent from a validator older than the liquidity queue. */
  queued?: string;
}

/** One debtor account's liquidity queue as a validator reports it (minor units as strings, times Unix ms). */
export interface LedgerQueue {
  account: string;
  participant: string;
  currency: string;
  balance: string;
  netDebitCap: string | null;
  /** The entries' amounts summed: what they would debit the account. */
  queued: string;
  /** FIFO order: the first is released first. */
  entries: { seq: number; id: string; uetr?: string | null; amount: string; arrivedAt: number; expiresAt: number }[];
}

/**
 * Reads from the validators' internal API; any validator that has the answer will do (each verifies the chain
 * itself). Validators apply and finalise blocks at their own pace, so one that answers 404 may only be behind:
 * the next is asked, and 404 is the answer only when every validator that answered said so.
 */
export class LedgerClient {
  /**
   * The highest block this gateway knows to be final: named by a settlement event it applied (a payment, request or
   * return outcome) or answered by a validator. Balances are read as of it at least, so that a bank that saw its
   * payment SETTLED, or an earlier balance, never reads an older state from a validator still behind.
   */
  private finalSeen = 0;

  constructor(private readonly urls: string[]) {}

  /** Notes that block `height` is final (see `finalSeen`). */
  observeFinal(height: number): void {
    if (height > this.finalSeen) this.finalSeen = height;
  }

  private async get<T>(path: string, acceptable: (body: T) => boolean = () => true): Promise<T> {
    let notFound = false;
    let fallback: { body: T } | null = null;
    for (const url of this.urls) {
      try {
        const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (response.status === 404) {
          await response.arrayBuffer().catch(() => undefined);
          notFound = true;
          continue;
        }
        if (!response.ok) {
          await response.arrayBuffer().catch(() => undefined);
          continue;
        }
        const body = (await response.json()) as T;
        if (acceptable(body)) return body;
        fallback ??= { body };
      } catch {
        // not reachable or too slow: the next validator
      }
    }
    if (fallback) return fallback.body;
    if (notFound) throw ledgerError('not_found', 'not found on the ledger');
    throw ledgerError('service_unavailable', 'no ledger validator answered', undefined, { 'retry-after': '1' });
  }

  /**
   * Balances as of the last final block, from a validator that has finalised at least `minHeight` and every block
   * this gateway knows final (`finalSeen`), if one has by the deadline; else the newest answer.
   */
  async balances(participant: string, minHeight = 0): Promise<{ height: number; accounts: LedgerBalance[] }> {
    const floor = Math.max(minHeight, this.finalSeen);
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const result = await this.get<{ height: number; accounts: LedgerBalance[] }>(
        `/v1/ledger/participants/${encodeURIComponent(participant)}/accounts`,
        (r) => r.height >= floor,
      );
      this.observeFinal(result.height);
      if (result.height >= floor || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The finality proof of a transaction (by uetr or transaction id), from the first validator that holds it final. */
  finality(id: string): Promise<unknown> {
    return this.get(`/v1/ledger/transactions/${encodeURIComponent(id)}/finality`);
  }

  /**
   * One page of an account's entries in final blocks, in block order, within [fromHeight, toHeight] (toHeight
   * defaults to, and is capped at, the validator's indexed height, which the answer names).
   */
  entries(
    account: string,
    q: { fromHeight: number; toHeight?: number; after?: { height: number; idx: number; leg: number }; limit: number },
  ): Promise<{ indexedHeight: number; toHeight: number; entries: LedgerEntry[] }> {
    const params = new URLSearchParams({ fromHeight: String(q.fromHeight), limit: String(q.limit) });
    if (q.toHeight !== undefined) params.set('toHeight', String(q.toHeight));
    if (q.after) {
      params.set('afterHeight', String(q.after.height));
      params.set('afterIdx', String(q.after.idx));
      params.set('afterLeg', String(q.after.leg));
    }
    // A validator whose index has not reached toHeight yet cannot serve the page: ask the next.
    return this.get<{ indexedHeight: number; toHeight: number; entries: LedgerEntry[] }>(
      `/v1/ledger/accounts/${encodeURIComponent(account)}/entries?${params.toString()}`,
      (r) => q.toHeight === undefined || r.indexedHeight >= q.toHeight,
    );
  }

  /** The account's balance after every entry up to `height` (minor units), from a validator that indexed that far. */
  async balanceAt(account: string, height: number): Promise<bigint> {
    const r = await this.get<{ balance: string }>(`/v1/ledger/accounts/${encodeURIComponent(account)}/balance?height=${height}`);
    return BigInt(r.balance);
  }

  /** Heights of the indexed final blocks whose broker time is in [fromMs, toMs), and the indexed height. */
  heights(fromMs: number, toMs: number): Promise<{ indexedHeight: number; range: { from: number; to: number } | null }> {
    return this.get(`/v1/ledger/heights?fromMs=${fromMs}&toMs=${toMs}`);
  }

  /** Every non-empty liquidity queue as of the last block the first validator that answers applied. */
  queues(): Promise<{ height: number; queues: LedgerQueue[] }> {
    return this.get('/v1/ledger/queues');
  }

  /** Broker time (Unix ms) of a block. */
  async blockTime(height: number): Promise<number> {
    return (await this.get<{ timestamp: number }>(`/v1/ledger/blocks/${height}/time`)).timestamp;
  }
}
