import { LedgerQueue } from '../ledger/ledger.client';
import { queueView } from './queue.view';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const queue = (over: Partial<LedgerQueue> = {}): LedgerQueue => ({
  account: 'BANKUS01:USD',
  participant: 'BANKUS01',
  currency: 'USD',
  balance: '-4000',
  netDebitCap: '5000',
  queued: '3500',
  entries: [
    { seq: 1, id: 'tx-1', uetr: '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', amount: '1500', arrivedAt: T0 - 90_500, expiresAt: T0 + 3_600_000 },
    { seq: 2, id: 'tx-2', uetr: '4f1b8a0e-6f55-4bd7-9d55-3f8b7b9f0c11', amount: '2000', arrivedAt: T0 - 1_000, expiresAt: T0 + 60_000 },
  ],
  ...over,
});

describe('queueView (GET /v1/admin/queues)', () => {
  it('shows what the queue waits for: queued beyond balance + net debit cap, per queue and up to each entry', () => {
    const view = queueView(queue(), T0);
    expect(view).toMatchObject({ balance: '-40.00', netDebitCap: '50.00', queued: '35.00', shortfall: '25.00', oldestAge: 90 });
    expect(view.entries).toEqual([
      {
        uetr: '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
        txId: 'tx-1',
        amount: '15.00',
        arrivedAt: '2026-12-07T09:58:29.500Z',
        age: 90,
        queuedUntil: '2026-12-07T11:00:00.000Z',
        shortfall: '5.00',
      },
      expect.objectContaining({ txId: 'tx-2', amount: '20.00', age: 1, queuedUntil: '2026-12-07T10:01:00.000Z', shortfall: '25.00' }),
    ]);
  });

  it('floors the shortfall at zero (funds arrived; released in the next block), and reads no cap as zero', () => {
    expect(queueView(queue({ balance: '10000' }), T0)).toMatchObject({ shortfall: '0.00', entries: [{ shortfall: '0.00' }, { shortfall: '0.00' }] });
    expect(queueView(queue({ balance: '0', netDebitCap: null }), T0)).toMatchObject({ netDebitCap: '0.00', shortfall: '35.00' });
  });

  it('never shows a negative age (a validator clock ahead of the gateway)', () => {
    expect(queueView(queue(), T0 - 120_000).entries.map((e) => e.age)).toEqual([0, 0]);
  });
});
