import { createLogger } from '@nostro/platform';
import { register } from 'prom-client';
import { SettlementConfig } from './config';
import { LedgerClient } from './ledger.client';
import { FinalPayment, ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';

/** Final payments as the repository holds them: event ids in order, each with the time it became final. */
class FakeRepository {
  cursorAt = 0n;
  constructor(private readonly finals: { id: bigint; at: Date }[]) {}

  asRepository(): ReconciliationRepository {
    return {
      exclusively: <T>(fn: () => Promise<T>) => fn(),
      candidates: async () => [],
      missingHeights: async () => [],
      counts: async () => 0,
      insertRun: async () => 1n,
      cursor: async () => this.cursorAt,
      saveCursor: async (id: bigint) => {
        this.cursorAt = id > this.cursorAt ? id : this.cursorAt;
      },
      finalPayments: async (after: bigint, _before: Date, limit: number): Promise<FinalPayment[]> =>
        this.finals
          .filter((f) => f.id > after)
          .slice(0, limit)
          .map((f) => ({ eventId: f.id, quote: {} as FinalPayment['quote'], record: { id: `p-${f.id}`, status: 'SETTLED', reason: null, height: 1 } })),
      oldestUnchecked: async (after: bigint) => this.finals.find((f) => f.id > after)?.at ?? null,
    } as unknown as ReconciliationRepository;
  }
}

const lag = async () => (await register.getSingleMetric('settlement_reconciliation_lag_seconds')?.get())?.values[0]?.value;

describe('ReconciliationService: how far the incremental check is behind', () => {
  const now = Date.now();
  const finals = [300, 240, 180, 120, 60].map((secondsAgo, i) => ({ id: BigInt(i + 1), at: new Date(now - secondsAgo * 1000) }));

  it('checks at most RECONCILE_BATCH_MAX payments a run, and reports the age of the oldest one left, until it catches up', async () => {
    const repo = new FakeRepository(finals);
    // Every proof "absent": each payment checked is a difference, which does not matter here.
    const ledger = { finality: async () => ({ kind: 'absent' }) } as unknown as LedgerClient;
    const config = { RECONCILE_INTERVAL_MS: 0, RECONCILE_BATCH_MAX: 2 } as SettlementConfig;
    const service = new ReconciliationService(config, repo.asRepository(), ledger, createLogger('reconciliation-test', 'silent'));

    expect((await service.run('incremental'))?.checkedRemote).toBe(2);
    expect(repo.cursorAt).toBe(2n);
    expect(await lag()).toBeGreaterThanOrEqual(180);
    expect(await lag()).toBeLessThan(190);

    await service.run('incremental');
    expect(await lag()).toBeGreaterThanOrEqual(60);
    expect(await lag()).toBeLessThan(70);

    expect((await service.run('incremental'))?.checkedRemote).toBe(1);
    expect(await lag()).toBe(0);
  });
});
