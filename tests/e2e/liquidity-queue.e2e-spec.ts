/**
 * The liquidity queue end to end (API.md "Liquidity queue"): payments from the gateway through settlement, fx-quote
 * and the three validators. A payment short of funds waits (QUEUED) instead of being rejected, and is released by the
 * deposit that funds it, times out, is settled together with another out of a gridlock, or is cancelled on the ledger.
 */
import { verifyFinalityProof } from '@nostro/shared';
import { adminClient, amountOf, approved, cluster, eventually, fundFxDesk, minorOf } from '../support/cluster';
import { bankWithKey, finalStatus, paymentBody, startReceiver, type Receiver } from '../gateway/support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

interface FxPosition {
  currency: string;
  reserved: string;
}

describe('the liquidity queue end to end', () => {
  const admin = adminClient();
  let hooks: Receiver;

  beforeAll(async () => {
    hooks = await startReceiver();
    await fundFxDesk('EUR', '100000.00');
    await fundFxDesk('USD', '100000.00');
  });

  afterAll(async () => {
    await hooks.close();
  });

  const queueFor = (seconds: number) => ({ liquidity: { onShortfall: 'queue' as const, queueFor: seconds } });
  const deposit = (bank: Bank, currency: string, amount: string) =>
    approved(admin.deposit(bank.id, { currency, amount, reference: `liquidity queue test ${Date.now()}` }));
  const statuses = async (bank: Bank, uetr: string) => (await bank.client.getPayment(uetr)).timeline.map((t) => t.status);
  async function proofVerifies(bank: Bank, uetr: string): Promise<boolean> {
    const keys = await bank.client.getKeys();
    return verifyFinalityProof(await bank.client.getFinality(uetr), { validators: keys.validators, quorum: keys.quorum }).ok;
  }
  const eurReserved = async (): Promise<bigint> => {
    const response = await fetch(`http://127.0.0.1:${cluster().ports['fx-quote']}/v1/fx/liquidity`);
    const body = (await response.json()) as { positions: FxPosition[] };
    return minorOf(body.positions.find((p) => p.currency === 'EUR')?.reserved ?? '0.00', 'EUR');
  };

  it('queues a payment short of funds, shows it to the bank and to operators, and settles it in the block of the deposit that funds it', async () => {
    const debtor = await bankWithKey(['USD'], { webhookUrl: hooks.url });
    const creditor = await bankWithKey(['EUR']);
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '100.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), ...queueFor(600) });

    const queued = await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'QUEUED',
    );
    expect(Date.parse(queued.queuedUntil ?? '')).toBeGreaterThan(Date.now() + 500_000);
    expect((await debtor.client.getAccounts()).data).toEqual([expect.objectContaining({ currency: 'USD', balance: '0.00', queued: quote.totalDebit })]);
    const page = await admin.queues({ participant: debtor.id });
    expect(page.data).toEqual([
      expect.objectContaining({
        account: `${debtor.id}:USD`,
        queued: quote.totalDebit,
        shortfall: quote.totalDebit,
        entries: [expect.objectContaining({ uetr, amount: quote.totalDebit })],
      }),
    ]);
    const hooked = await eventually(
      async () => hooks.received.map((r) => JSON.parse(r.body) as { type: string; data: { payment: { uetr: string; status: string } } }),
      (all) => all.some((h) => h.type === 'payment.queued' && h.data.payment.uetr === uetr),
    );
    expect(hooked.find((h) => h.type === 'payment.queued')?.data.payment).toMatchObject({ uetr, status: 'QUEUED' });

    await deposit(debtor, 'USD', '150.00');
    const settled = await finalStatus(debtor.client, uetr);
    expect(settled.status).toBe('SETTLED');
    expect(await statuses(debtor, uetr)).toEqual(['RECEIVED', 'SUBMITTED', 'QUEUED', 'SETTLED']);
    expect(await proofVerifies(debtor, uetr)).toBe(true);
    const left = minorOf('150.00', 'USD') - minorOf(quote.totalDebit, 'USD');
    expect((await debtor.client.getAccounts()).data).toEqual([expect.objectContaining({ balance: amountOf(left, 'USD'), queued: '0.00' })]);
  });

  it('rejects a payment whose queue time runs out with queue_timeout, with no other traffic, and releases its FX reservation', async () => {
    const debtor = await bankWithKey(['USD']);
    const creditor = await bankWithKey(['EUR']);
    const reservedBefore = await eurReserved();
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '50.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), ...queueFor(2) });
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'QUEUED' || p.status === 'REJECTED',
    );
    const ended = await finalStatus(debtor.client, uetr);
    expect(ended).toMatchObject({ status: 'REJECTED', reason: 'queue_timeout' });
    expect(await statuses(debtor, uetr)).toEqual(['RECEIVED', 'SUBMITTED', 'QUEUED', 'REJECTED']);
    expect(await proofVerifies(debtor, uetr)).toBe(true);
    // The quote's FX reservation went back (other tests' quotes may come and go: it is no longer above where it was).
    await eventually(eurReserved, (reserved) => reserved <= reservedBefore);
  });

  it('settles two banks that each owe the other more than they hold, together in one block, with both proofs verifying', async () => {
    const a = await bankWithKey(['USD']);
    const b = await bankWithKey(['EUR']);
    const qa = await a.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '100.00', creditorParticipant: b.id });
    const qb = await b.client.createQuote({ sourceCurrency: 'EUR', targetCurrency: 'USD', sendAmount: '100.00', creditorParticipant: a.id });
    // Each holds exactly what it lacks once the other's payment arrives: not enough alone, enough together.
    const needA = minorOf(qa.totalDebit, 'USD') - minorOf(qb.receiveAmount, 'USD');
    const needB = minorOf(qb.totalDebit, 'EUR') - minorOf(qa.receiveAmount, 'EUR');
    if (needA > 0n) await deposit(a, 'USD', amountOf(needA, 'USD'));
    if (needB > 0n) await deposit(b, 'EUR', amountOf(needB, 'EUR'));

    const pa = await a.client.createPayment({ ...paymentBody(qa.id), ...queueFor(600) });
    await eventually(
      () => a.client.getPayment(pa.uetr),
      (p) => p.status === 'QUEUED',
    );
    const pb = await b.client.createPayment({ ...paymentBody(qb.id), ...queueFor(600) });
    const [fa, fb] = await Promise.all([finalStatus(a.client, pa.uetr), finalStatus(b.client, pb.uetr)]);
    expect([fa.status, fb.status]).toEqual(['SETTLED', 'SETTLED']);
    expect(fa.block?.height).toBe(fb.block?.height);
    expect(await proofVerifies(a, pa.uetr)).toBe(true);
    expect(await proofVerifies(b, pb.uetr)).toBe(true);
    const [accA, accB] = await Promise.all([a.client.getAccounts(), b.client.getAccounts()]);
    expect(accA.data).toEqual([expect.objectContaining({ balance: amountOf(needA > 0n ? 0n : -needA, 'USD'), queued: '0.00' })]);
    expect(accB.data).toEqual([expect.objectContaining({ balance: amountOf(needB > 0n ? 0n : -needB, 'EUR'), queued: '0.00' })]);
  });

  it('cancels a queued payment on the ledger: the bank’s cancel answers CANCELLED, and a later deposit settles nothing', async () => {
    const debtor = await bankWithKey(['USD']);
    const creditor = await bankWithKey(['EUR']);
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '20.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), ...queueFor(600) });
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'QUEUED',
    );
    expect(await debtor.client.cancelPayment(uetr, { reason: 'customer withdrew the order' })).toEqual({ uetr, status: 'CANCELLED' });
    expect(await statuses(debtor, uetr)).toEqual(['RECEIVED', 'SUBMITTED', 'QUEUED', 'CANCELLED']);
    expect((await admin.queues({ participant: debtor.id })).data).toEqual([]);
    await deposit(debtor, 'USD', '50.00');
    expect((await debtor.client.getAccounts()).data).toEqual([expect.objectContaining({ balance: '50.00', queued: '0.00' })]);
    expect((await debtor.client.getPayment(uetr)).status).toBe('CANCELLED');
  });
});
