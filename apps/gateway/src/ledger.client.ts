import { ProblemError } from '@nostro/platform';

const TIMEOUT_MS = 3_000;

export interface LedgerBalance {
  account: string;
  currency: string;
  balance: string;
  netDebitCap: string | null;
}

/** Reads from the validators' internal API; any validator that answers will do (each verifies the chain itself). */
export class LedgerClient {
  constructor(private readonly urls: string[]) {}

  private async get<T>(path: string): Promise<T> {
    for (const url of this.urls) {
      try {
        const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (response.status === 404) throw new ProblemError(404, 'not_found', 'Not found', 'not found on the ledger');
        if (response.ok) return (await response.json()) as T;
      } catch (error) {
        if (error instanceof ProblemError) throw error;
      }
    }
    throw new ProblemError(503, 'service_unavailable', 'Service unavailable', 'no ledger validator answered', undefined, { 'retry-after': '1' });
  }

  /** Balances as of the last final block, from a validator that has finalised at least `minHeight`. */
  async balances(participant: string, minHeight = 0): Promise<{ height: number; accounts: LedgerBalance[] }> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const result = await this.get<{ height: number; accounts: LedgerBalance[] }>(`/v1/ledger/participants/${encodeURIComponent(participant)}/accounts`);
      if (result.height >= minHeight || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The finality proof of a transaction (by uetr or transaction id), once final. */
  finality(id: string): Promise<unknown> {
    return this.get(`/v1/ledger/transactions/${encodeURIComponent(id)}/finality`);
  }
}
