import { ListCursorCodec } from '@nostro/platform';
import { LedgerClient, LedgerQueue } from '../ledger/ledger.client';
import { QueuesService } from './queues.service';

const NOW = Date.parse('2026-12-07T10:00:00.000Z');
const queue = (account: string, entries = 1): LedgerQueue => {
  const [participant, currency] = account.split(':');
  return {
    account,
    participant,
    currency,
    balance: '0',
    netDebitCap: '0',
    queued: String(100 * entries),
    entries: Array.from({ length: entries }, (_, i) => ({
      seq: i,
      id: `${account}-${i}`,
      uetr: null,
      amount: '100',
      arrivedAt: NOW - 5_000,
      expiresAt: NOW + 60_000,
    })),
  };
};

describe('QueuesService.list (GET /v1/admin/queues)', () => {
  const ledger = {
    queues: async () => ({ height: 42, queues: [queue('BANKUS02:USD'), queue('BANKDE01:EUR', 2), queue('BANKUS01:USD'), queue('EMPTY001:USD', 0)] }),
  };
  const cursors = new ListCursorCodec('test-secret');
  const service = new QueuesService(ledger as unknown as LedgerClient, cursors, () => NOW);

  it('pages non-empty queues in account order with a cursor, at the height the validator answered', async () => {
    const first = await service.list({ limit: '2' });
    expect(first).toMatchObject({ height: 42, at: '2026-12-07T10:00:00.000Z' });
    expect(first.data.map((q) => q.account)).toEqual(['BANKDE01:EUR', 'BANKUS01:USD']);
    const second = await service.list({ limit: '2', cursor: first.nextCursor as string });
    expect(second.data.map((q) => q.account)).toEqual(['BANKUS02:USD']);
    expect(second.nextCursor).toBeNull();
  });

  it('filters by participant and currency, and refuses unknown parameters and foreign cursors', async () => {
    expect((await service.list({ participant: 'BANKUS01' })).data.map((q) => q.account)).toEqual(['BANKUS01:USD']);
    expect((await service.list({ currency: 'EUR' })).data.map((q) => [q.account, q.entries.length, q.queued])).toEqual([['BANKDE01:EUR', 2, '2.00']]);
    await expect(service.list({ sort: 'age' })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    const foreign = new ListCursorCodec('test-secret').encode('admin-payments', ['BANKUS01:USD']);
    await expect(service.list({ cursor: foreign })).rejects.toMatchObject({ status: 400 });
  });
});
