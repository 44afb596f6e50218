import { NostroApiError, type Payment } from '@nostro/client';
import { randomUUID } from 'node:crypto';
import { adminClient, amountOf, eventually, fundFxDesk, minorOf } from '../support/cluster';
import { serviceControl } from '../settlement/support/settlement';
import { bankWithKey, codeOf, finalStatus, paymentBody, startReceiver, type Receiver } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

const balance = async (bank: Bank, currency: string): Promise<string> =>
  (await bank.client.getAccounts()).data.find((a) => a.currency === currency)?.balance ?? 'none';

interface Hook {
  type: string;
  data: { payment: Payment; return?: { returnId: string; status: string }; recall?: { status: string }; finality?: unknown };
}
const hooks = (receiver: Receiver): Hook[] => receiver.received.map((r) => JSON.parse(r.body) as Hook);

describe('the way back: cancel, recall and return', () => {
  let debtor: Bank;
  let creditor: Bank;
  let stranger: Bank;
  let debtorHooks: Receiver;
  let creditorHooks: Receiver;

  beforeAll(async () => {
    debtorHooks = await startReceiver();
    creditorHooks = await startReceiver();
    debtor = await bankWithKey(['USD'], { deposits: { USD: '10000.00' }, webhookUrl: debtorHooks.url });
    creditor = await bankWithKey(['EUR'], { webhookUrl: creditorHooks.url });
    stranger = await bankWithKey(['USD', 'EUR'], { deposits: { USD: '100.00' } });
    await fundFxDesk('EUR', '100000.00');
  });

  afterAll(async () => {
    await debtorHooks.close();
    await creditorHooks.close();
  });

  /** A settled USD → EUR payment from the debtor to the creditor. */
  async function settled(sendAmount: string): Promise<Payment> {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment(paymentBody(quote.id));
    const payment = await finalStatus(debtor.client, uetr);
    expect(payment.status).toBe('SETTLED');
    return payment;
  }

  const returnSettled = (uetr: string, returnId: string) =>
    eventually(
      () => creditor.client.getIncomingPayment(uetr),
      (p) => p.returns?.some((r) => r.returnId === returnId && r.status !== 'RECEIVED') ?? false,
    );

  it('recall accepted in full: the return settles, the payment is RETURNED and balances come back exactly, fees kept', async () => {
    const usdBefore = await balance(debtor, 'USD');
    const eurBefore = await balance(creditor, 'EUR');
    const payment = await settled('100.00');
    const recall = await debtor.client.recallPayment(payment.uetr, { reason: 'DUPL', comment: 'sent twice' });
    expect(recall).toMatchObject({ uetr: payment.uetr, status: 'PENDING', reason: 'DUPL' });
    expect(Date.parse(recall.respondBy) - Date.now()).toBeGreaterThan(9 * 86_400_000);
    // The creditor sees the recall on its incoming payment, and a second recall is refused while it is pending.
    expect((await creditor.client.getIncomingPayment(payment.uetr)).recall).toMatchObject({ recallId: recall.recallId, status: 'PENDING', reason: 'DUPL' });
    expect(await codeOf(debtor.client.recallPayment(payment.uetr, { reason: 'TECH' }))).toBe('409 recall_pending');

    const answer = await creditor.client.respondToRecall(payment.uetr, { decision: 'accept' });
    expect(answer).toMatchObject({ recallId: recall.recallId, status: 'ACCEPTED' });
    expect(answer.returnId).toMatch(/^[0-9a-f-]{36}$/);
    const returned = await eventually(
      () => debtor.client.getPayment(payment.uetr),
      (p) => p.status === 'RETURNED',
    );
    expect(returned).toMatchObject({ returnedAmount: payment.receiveAmount, recall: { status: 'ACCEPTED', resolution: { returnId: answer.returnId } } });
    expect(returned.returns).toEqual([
      expect.objectContaining({
        returnId: answer.returnId,
        status: 'SETTLED',
        amount: payment.receiveAmount,
        sourceAmount: payment.sendAmount,
        reason: 'FOCR',
      }),
    ]);
    expect(returned.timeline.map((t) => t.status)).toEqual([
      'RECEIVED',
      'SUBMITTED',
      'SETTLED',
      'RECALL_REQUESTED',
      'RECALL_ACCEPTED',
      'RETURN_RECEIVED',
      'RETURN_SETTLED',
      'RETURNED',
    ]);
    // The creditor holds what it held before; the debtor is short of exactly the fees.
    expect(await balance(creditor, 'EUR')).toBe(eurBefore);
    const fees = payment.quote.fees.reduce((sum, f) => sum + minorOf(f.amount, f.currency), 0n);
    expect(minorOf(usdBefore, 'USD') - minorOf(await balance(debtor, 'USD'), 'USD')).toBe(fees);
    // Webhooks: the creditor heard of the recall and its return, the debtor of the resolution and the return (with its proof).
    await eventually(
      async () => [...hooks(debtorHooks), ...hooks(creditorHooks)].filter((h) => h.data.payment.uetr === payment.uetr).map((h) => h.type),
      (types) => ['payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled'].every((t) => types.includes(t)),
    );
    const back = hooks(debtorHooks).find((h) => h.type === 'payment.returned' && h.data.payment.uetr === payment.uetr);
    expect(back?.data.return).toMatchObject({ returnId: answer.returnId, status: 'SETTLED' });
    expect(back?.data.finality).toMatchObject({ transaction: { uetr: payment.uetr, returnId: answer.returnId } });
    // Nothing more can be recalled or returned.
    expect(await codeOf(debtor.client.recallPayment(payment.uetr, { reason: 'DUPL' }))).toBe('409 payment_returned');
    expect(await codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'AC04' }))).toBe('422 return_exceeds_payment');
  });

  it('two partial returns add up: the second completes the payment and pays back the whole send amount', async () => {
    const payment = await settled('10.00');
    const receive = minorOf(payment.receiveAmount, 'EUR');
    const firstPart = amountOf((receive * 3n) / 10n, 'EUR');
    const first = await creditor.client.returnPayment(payment.uetr, { reason: 'AC04', amount: firstPart });
    expect(first).toMatchObject({ uetr: payment.uetr, status: 'RECEIVED', amount: firstPart, currency: 'EUR', sourceCurrency: 'USD', reason: 'AC04' });
    await returnSettled(payment.uetr, first.returnId);
    expect((await debtor.client.getPayment(payment.uetr)).status).toBe('SETTLED');
    const second = await creditor.client.returnPayment(payment.uetr, { reason: 'AC04' });
    expect(second.amount).toBe(amountOf(receive - minorOf(firstPart, 'EUR'), 'EUR'));
    const done = await eventually(
      () => debtor.client.getPayment(payment.uetr),
      (p) => p.status === 'RETURNED',
    );
    expect(done.returnedAmount).toBe(payment.receiveAmount);
    const paidBack = (done.returns ?? []).reduce((sum, r) => sum + minorOf(r.sourceAmount, 'USD'), 0n);
    expect(paidBack).toBe(minorOf(payment.sendAmount, 'USD'));
  });

  it('refuses a return of more than what is left, and amounts with too many digits', async () => {
    const payment = await settled('5.00');
    const tooMuch = amountOf(minorOf(payment.receiveAmount, 'EUR') + 1n, 'EUR');
    expect(await codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'AC01', amount: tooMuch }))).toBe('422 return_exceeds_payment');
    expect(await codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'AC01', amount: '0.001' }))).toBe('400 validation_failed');
    expect(await codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'AC01', amount: '0.00' }))).toBe('400 validation_failed');
    expect(await codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'XXXX' as 'AC01' }))).toBe('400 validation_failed');
    expect((await creditor.client.getIncomingPayment(payment.uetr)).returns).toEqual([]);
  });

  it('concurrent partial returns never exceed the receive amount: one wins, the other is refused', async () => {
    const payment = await settled('20.00');
    const part = amountOf((minorOf(payment.receiveAmount, 'EUR') * 6n + 9n) / 10n, 'EUR'); // 60 %, rounded up
    const answers = await Promise.all([0, 1, 2].map(() => codeOf(creditor.client.returnPayment(payment.uetr, { reason: 'MS02', amount: part }))));
    expect(answers.sort()).toEqual(['422 return_exceeds_payment', '422 return_exceeds_payment', 'ok']);
    const view = await eventually(
      () => creditor.client.getIncomingPayment(payment.uetr),
      (p) => p.returns?.every((r) => r.status === 'SETTLED') ?? false,
    );
    expect(view.returns).toHaveLength(1);
    expect(view).toMatchObject({ status: 'SETTLED', returnedAmount: part });
  });

  it('recall rejected with an ISO reason: nothing moves, the debtor hears of it', async () => {
    const payment = await settled('7.00');
    const recall = await debtor.client.recallPayment(payment.uetr, { reason: 'FRAD' });
    expect(await codeOf(creditor.client.respondToRecall(payment.uetr, { decision: 'reject' }))).toBe('400 validation_failed');
    const answer = await creditor.client.respondToRecall(payment.uetr, { decision: 'reject', reason: 'CUST' });
    expect(answer).toEqual({ recallId: recall.recallId, status: 'REJECTED' });
    expect(await codeOf(creditor.client.respondToRecall(payment.uetr, { decision: 'accept' }))).toBe('409 recall_not_pending');
    const view = await debtor.client.getPayment(payment.uetr);
    expect(view).toMatchObject({ status: 'SETTLED', returnedAmount: '0.00', returns: [], recall: { status: 'REJECTED', resolution: { reason: 'CUST' } } });
    expect(view.timeline.map((t) => t.status).slice(-2)).toEqual(['RECALL_REQUESTED', 'RECALL_REJECTED']);
    await eventually(
      async () => hooks(debtorHooks).filter((h) => h.type === 'payment.recall_resolved' && h.data.payment.uetr === payment.uetr),
      (list) => list.length === 1,
    );
    // A new recall may follow a rejected one.
    expect(await debtor.client.recallPayment(payment.uetr, { reason: 'CUST' })).toMatchObject({ status: 'PENDING' });
  });

  it('a return the creditor cannot fund is rejected by the ledger (insufficient_funds) and leaves the payment settled', async () => {
    const payment = await settled('3.00');
    const admin = adminClient();
    await admin.withdraw(creditor.id, { currency: 'EUR', amount: await balance(creditor, 'EUR'), reference: 'spent it all' });
    const ret = await creditor.client.returnPayment(payment.uetr, { reason: 'AC06' });
    const view = await returnSettled(payment.uetr, ret.returnId);
    expect(view.returns?.[0]).toMatchObject({ returnId: ret.returnId, status: 'REJECTED', rejectReason: 'insufficient_funds' });
    expect(view).toMatchObject({ status: 'SETTLED', returnedAmount: '0.00' });
    await eventually(
      async () => hooks(creditorHooks).filter((h) => h.type === 'return.rejected' && h.data.return?.returnId === ret.returnId),
      (list) => list.length === 1,
    );
    // Once funded again it can return: a rejected return takes nothing of what is left.
    await admin.deposit(creditor.id, { currency: 'EUR', amount: payment.receiveAmount, reference: 'funds back' });
    const again = await creditor.client.returnPayment(payment.uetr, { reason: 'AC06' });
    expect(again.amount).toBe(payment.receiveAmount);
    await eventually(
      () => debtor.client.getPayment(payment.uetr),
      (p) => p.status === 'RETURNED',
    );
  });

  it("a return's finality proof verifies offline, for both banks, and names the payment and the return", async () => {
    const payment = await settled('4.00');
    const ret = await creditor.client.returnPayment(payment.uetr, { reason: 'BE04' });
    await returnSettled(payment.uetr, ret.returnId);
    const mine = await debtor.client.verifyReturnFinality(payment.uetr, ret.returnId);
    expect(mine).toMatchObject({ ok: true });
    expect(await creditor.client.verifyReturnFinality(payment.uetr, ret.returnId, { incoming: true })).toMatchObject({ ok: true });
    const proof = await debtor.client.getReturnFinality(payment.uetr, ret.returnId);
    expect(proof.transaction).toMatchObject({ uetr: payment.uetr, returnId: ret.returnId, outcome: { status: 'accepted' } });
    // The payment's own proof is still the payment's, not its return's.
    expect((await debtor.client.getFinality(payment.uetr)).transaction).not.toHaveProperty('returnId');
    expect(await codeOf(debtor.client.getReturnFinality(payment.uetr, randomUUID()))).toBe('404 not_found');
  });

  it('each bank acts only on its own: another bank gets 404, never 403', async () => {
    const payment = await settled('2.00');
    expect(await codeOf(stranger.client.recallPayment(payment.uetr, { reason: 'DUPL' }))).toBe('404 not_found');
    expect(await codeOf(stranger.client.returnPayment(payment.uetr, { reason: 'AC01' }))).toBe('404 not_found');
    expect(await codeOf(stranger.client.cancelPayment(payment.uetr))).toBe('404 not_found');
    // The debtor cannot return its own payment, nor the creditor recall it.
    expect(await codeOf(debtor.client.returnPayment(payment.uetr, { reason: 'AC01' }))).toBe('404 not_found');
    expect(await codeOf(creditor.client.recallPayment(payment.uetr, { reason: 'DUPL' }))).toBe('404 not_found');
    expect(await codeOf(stranger.client.getReturnFinality(payment.uetr, randomUUID()))).toBe('404 not_found');
  });

  describe('cancel', () => {
    const admin = adminClient();

    async function held(sendAmount: string): Promise<string> {
      const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
      const { uetr } = await debtor.client.createPayment(paymentBody(quote.id));
      await eventually(
        () => debtor.client.getPayment(uetr),
        (p) => p.status === 'HELD',
      );
      return uetr;
    }

    beforeAll(async () => {
      await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: '5000.00' });
    });
    afterAll(async () => {
      await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: null });
    });

    it('cancels a held payment: CANCELLED is final, the operator can no longer approve it, the debtor is told', async () => {
      const uetr = await held('6000.00');
      expect(await debtor.client.cancelPayment(uetr, { reason: 'customer withdrew the order' })).toEqual({ uetr, status: 'CANCELLED' });
      const view = await debtor.client.getPayment(uetr);
      expect(view).toMatchObject({ status: 'CANCELLED', reason: 'customer withdrew the order' });
      expect(view.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'HELD', 'CANCELLED']);
      // Cancelling again answers the same; recalling a cancelled payment is refused.
      expect(await debtor.client.cancelPayment(uetr)).toEqual({ uetr, status: 'CANCELLED' });
      expect(await codeOf(debtor.client.recallPayment(uetr, { reason: 'DUPL' }))).toBe('409 payment_not_settled');
      expect(await codeOf(admin.decide(uetr, { decision: 'approve' }))).toMatch(/^409 /);
      await eventually(
        async () => hooks(debtorHooks).filter((h) => h.type === 'payment.cancelled' && h.data.payment.uetr === uetr),
        (list) => list.length === 1,
      );
    });

    it('refuses to cancel a payment that reached the ledger: 409 payment_not_cancellable', async () => {
      const payment = await settled('1.00');
      const error = await debtor.client.cancelPayment(payment.uetr).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NostroApiError);
      expect(error).toMatchObject({ status: 409, code: 'payment_not_cancellable' });
      expect((error as NostroApiError).problem.detail).toContain('SETTLED');
      expect((await debtor.client.getPayment(payment.uetr)).status).toBe('SETTLED');
    });

    it('the same Idempotency-Key gives the same answer, never a second request', async () => {
      const uetr = await held('5500.00');
      const key = randomUUID();
      const first = await debtor.client.cancelPayment(uetr, {}, { idempotencyKey: key });
      expect(await debtor.client.cancelPayment(uetr, {}, { idempotencyKey: key })).toEqual(first);
      expect(await codeOf(debtor.client.cancelPayment(uetr, { reason: 'other body' }, { idempotencyKey: key }))).toBe('409 idempotency_conflict');
    });
  });

  describe('recall deadline', () => {
    afterAll(() => serviceControl('restart', 'settlement'));

    it('an unanswered recall expires at respondBy, from settlement’s timer, across a restart', async () => {
      await serviceControl('restart', 'settlement', { RECALL_RESPOND_WITHIN_MS: '3000', SWEEP_INTERVAL_MS: '300' });
      const payment = await settled('2.50');
      const recall = await debtor.client.recallPayment(payment.uetr, { reason: 'TECH' });
      expect(Date.parse(recall.respondBy) - Date.now()).toBeLessThanOrEqual(3_000);
      // The timer is a row in settlement's database: a restart in between loses nothing.
      await serviceControl('restart', 'settlement', { RECALL_RESPOND_WITHIN_MS: '3000', SWEEP_INTERVAL_MS: '300' });
      const view = await eventually(
        () => debtor.client.getPayment(payment.uetr),
        (p) => p.recall?.status === 'EXPIRED',
        20_000,
      );
      expect(view).toMatchObject({ status: 'SETTLED', recall: { recallId: recall.recallId, status: 'EXPIRED' } });
      expect(view.timeline.map((t) => t.status).slice(-2)).toEqual(['RECALL_REQUESTED', 'RECALL_EXPIRED']);
      expect(await codeOf(creditor.client.respondToRecall(payment.uetr, { decision: 'accept' }))).toBe('409 recall_not_pending');
      await eventually(
        async () => hooks(debtorHooks).filter((h) => h.type === 'payment.recall_resolved' && h.data.payment.uetr === payment.uetr),
        (list) => list.length === 1 && list[0].data.recall?.status === 'EXPIRED',
      );
    });
  });
});
