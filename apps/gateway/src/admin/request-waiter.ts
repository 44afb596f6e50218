import { PgListener } from '@nostro/platform';
import { ADMIN_REQUEST_FINAL_CHANNEL, AdminRequestState, AdminRequestsRepository } from './admin-requests.repository';

export type RequestOutcome = AdminRequestState;

const POLL_MS = 250;

/**
 * Waits for an admin request (deposit, registration) to become final on the ledger. Woken by LISTEN/NOTIFY from
 * the settlement-events consumer (any gateway replica), with a slow poll as a safety net.
 */
export class RequestWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly requests: AdminRequestsRepository) {}

  /** Wakes the waiter of a request when its outcome is announced; after a reconnect, every waiter re-reads. */
  async start(listener: PgListener): Promise<void> {
    await listener.listen(
      ADMIN_REQUEST_FINAL_CHANNEL,
      (requestId) => this.waiters.get(requestId)?.forEach((wake) => wake()),
      () => this.waiters.forEach((set) => set.forEach((wake) => wake())),
    );
  }

  outcome(requestId: string): Promise<RequestOutcome | null> {
    return this.requests.state(requestId);
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
