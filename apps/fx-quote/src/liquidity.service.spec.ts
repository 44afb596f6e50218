import { PaymentStatus, PaymentStatusEvent, SettlementEvent } from '@nostro/shared';
import type { Pool, PoolClient } from '@nostro/platform';
import { LiquidityService } from './liquidity.service';
import { QuoteRepository } from './quote.repository';
import { silentLog } from './testing/fx-test-env';

/**
 * The reservation consumer passes batches of events that `LiquidityService.concerns` turns down without a transaction
 * (KafkaPgTransport, `relevant`): for every payment status, an event it turns down must be one onPaymentEvents leaves
 * alone, and one it takes must be one onPaymentEvents acts on.
 */
describe('LiquidityService.concerns', () => {
  const service = new LiquidityService(null, new QuoteRepository({} as Pool), { refreshMs: 1_000, sweepIntervalMs: 1_000, reservationMaxMs: 1_000 }, silentLog);

  /** The statements onPaymentEvents sends for one event (a recording stand-in for the consumer's transaction). */
  async function statementsFor(event: PaymentStatusEvent): Promise<number> {
    let statements = 0;
    const tx = {
      query: async () => {
        statements += 1;
        return { rows: [], rowCount: 0 };
      },
    } as unknown as PoolClient;
    await service.onPaymentEvents(tx, [event]);
    return statements;
  }

  it.each(Object.values(PaymentStatus))('agrees with onPaymentEvents for a payment %s', async (status) => {
    const event = {
      kind: 'payment.status',
      id: '0190a0a0-0000-7000-8000-000000000000',
      uetr: '0190a0a0-0000-4000-8000-000000000001',
      participant: 'BANKUS33',
      status,
      at: 1,
      ...(status === 'QUEUED' ? { queuedUntil: 2 } : {}),
    } as PaymentStatusEvent;
    expect(LiquidityService.concerns(event)).toBe((await statementsFor(event)) > 0);
  });

  it('turns down every event that is not a payment status', () => {
    const request = { kind: 'request.status', id: 'r', requestId: 'r', status: 'SETTLED', at: 1 } as SettlementEvent;
    expect(LiquidityService.concerns(request)).toBe(false);
  });
});
