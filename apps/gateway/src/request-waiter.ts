import { Pool } from '@nostro/platform';
import { PgListener } from './pg-listener';

export interface RequestOutcome {
  status: 'SUBMITTED' | 'SETTLED' | 'REJECTED';
  reason: string | null;
  blockHeight: number | null;
  blockHash: string | null;
}

const CHANNEL = 'admin_request_final';
const POLL_MS = 250;

/**
 * Waits for an admin request (deposit, registration) to become final on the ledger. Woken by LISTEN/NOTIFY from
 * the settlement-events consumer (any gateway replica), with a slow poll as a safety net.
 */
export class RequestWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly pool: Pool) {}

  /** Wakes the waiter of a request when its outcome is announced; after a reconnect, every waiter re-reads. */
  async start(listener: PgListener): Promise<void> {
    await listener.listen(
      CHANNEL,
      (requestId) => this.waiters.get(requestId)?.forEach((wake) => wake()),
      () => this.waiters.forEach((set) => set.forEach((wake) => wake())),
    );
  }

  static notifySql(): string {
    return `SELECT pg_notify('${CHANNEL}', $1)`;
  }

  async outcome(requestId: string): Promise<RequestOutcome | null> {
    const { rows } = await this.pool.query<{ status: RequestOutcome['status']; reason: string | null; block_height: bigint | null; block_hash: string | null }>(
      'SELECT status, reason, block_height, block_hash FROM admin_requests WHERE request_id = $1',
      [requestId],
    );
    const row = rows[0];
    return row ? { status: row.status, reason: row.reason, blockHeight: row.block_height === null ? null : Number(row.block_height), blockHash: row.block_hash } : null;
  }

  /** Resolves with the final outcome, or the current one (SUBMITTED) when `timeoutMs` passes first. */
  async wait(requestId: string, timeoutMs: number): Promise<RequestOutcome | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.outcome(requestId);
      if (!current || current.status !== 'SUBMITTED' || Date.now() >= deadline) return current;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(requestId) ?? new Set();
        const done = (): void => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) this.waiters.delete(requestId);
          resolve();
        };
        const timer = setTimeout(done, Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
        set.add(done);
        this.waiters.set(requestId, set);
      });
    }
  }

}
