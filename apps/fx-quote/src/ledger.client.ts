import { DeskBalance, SystemParticipant } from '@nostro/shared';
import { z } from 'zod';

const minor = z.string().regex(/^-?(0|[1-9][0-9]{0,37})$/);
const accountsSchema = z.object({
  height: z.number().int().nonnegative(),
  accounts: z.array(z.object({ account: z.string(), currency: z.string(), balance: minor, netDebitCap: minor.nullable() })).max(1_000),
});

/** FXDESK's balances as of one final block. */
export interface DeskSnapshot {
  height: number;
  balances: ReadonlyMap<string, DeskBalance>;
  /** When it was read, Unix ms. */
  readAt: number;
}

/**
 * Reads FXDESK's balances from the validators' internal API. Every validator is asked at once and the answer with
 * the highest final height wins (each validator verifies the chain itself; a lagging one only shows less).
 */
export class LedgerClient {
  constructor(
    private readonly urls: string[],
    private readonly timeoutMs: number,
  ) {}

  async deskSnapshot(): Promise<DeskSnapshot | null> {
    const path = `/v1/ledger/participants/${SystemParticipant.FXDESK}/accounts`;
    const answers = await Promise.all(this.urls.map((url) => this.read(`${url}${path}`)));
    const best = answers.reduce<z.infer<typeof accountsSchema> | null>((top, a) => (a && (!top || a.height > top.height) ? a : top), null);
    if (!best) return null;
    const balances = new Map<string, DeskBalance>(
      best.accounts.map((a) => [a.currency, { balanceMinor: BigInt(a.balance), netDebitCapMinor: a.netDebitCap === null ? null : BigInt(a.netDebitCap) }]),
    );
    return { height: best.height, balances, readAt: Date.now() };
  }

  private async read(url: string): Promise<z.infer<typeof accountsSchema> | null> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok) return null;
      const parsed = accountsSchema.safeParse(await response.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
