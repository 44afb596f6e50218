import { ledgerError } from './ledger.errors';

const TIMEOUT_MS = 3_000;

export interface LedgerBalance {
  account: string;
  currency: string;
  balance: string;
  netDebitCap: string | null;
}

/**
 * Reads from the validators' internal API; any validator that has the answer will do (each verifies the chain
 * itself). Validators apply and finalise blocks at their own pace, so one that answers 404 may only be behind:
 * the next is asked, and 404 is the answer only when every validator that answered said so.
 */
export class LedgerClient {
  constructor(private readonly urls: string[]) {}

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

  /** Balances as of the last final block, from a validator that has finalised at least `minHeight` if one has by the deadline. */
  async balances(participant: string, minHeight = 0): Promise<{ height: number; accounts: LedgerBalance[] }> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const result = await this.get<{ height: number; accounts: LedgerBalance[] }>(
        `/v1/ledger/participants/${encodeURIComponent(participant)}/accounts`,
        (r) => r.height >= minHeight,
      );
      if (result.height >= minHeight || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The finality proof of a transaction (by uetr or transaction id), from the first validator that holds it final. */
  finality(id: string): Promise<unknown> {
    return this.get(`/v1/ledger/transactions/${encodeURIComponent(id)}/finality`);
  }
}
