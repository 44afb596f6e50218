/**
 * The gateway's side of the liquidity queue (API.md "Liquidity queue"): the liquidity instruction on JSON and pacs.008
 * payments, a QUEUED status as settlement reports it (published here as settlement would), the accounts' queued
 * totals, and an operator's cancel. The ledger's queueing itself is tested with ledger-node and settlement.
 */
import { NostroApiError, type Payment } from '@nostro/client';
import { buildPacs008Inbound, parsePacs002, type Pacs008Transaction } from '@nostro/iso20022';
import { newMessageId, type PaymentStatusEvent } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { adminClient, consistently, eventually, fundFxDesk, newOperatorToken } from '../support/cluster';
import { closeKafka, kafkaProducer, topic } from '../settlement/support/settlement';
import { bankWithKey, codeOf, finalStatus, paymentBody, raw, signed, startReceiver, type Receiver } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

describe('the liquidity queue at the gateway', () => {
  let debtor: Bank;
  let creditor: Bank;
  let hooks: Receiver;
  const admin = adminClient();

  beforeAll(async () => {
    hooks = await startReceiver();
    debtor = await bankWithKey(['USD'], { deposits: { USD: '10000.00' }, webhookUrl: hooks.url });
    creditor = await bankWithKey(['EUR']);
    await fundFxDesk('EUR', '100000.00');
  });

  afterAll(async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: null });
    await hooks.close();
    await closeKafka();
  });

  const quote = (sendAmount: string) =>
    debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });

  /** A payment held for approval (above the debtor's hold threshold): it waits before the ledger. */
  async function held(): Promise<string> {
    const { uetr } = await debtor.client.createPayment(paymentBody((await quote('6000.00')).id));
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'HELD',
    );
    return uetr;
  }

  const QUEUED_UNTIL = Date.parse('2031-01-02T03:04:05.000Z');

  /** Settlement's QUEUED event, as settlement publishes it once the ledger queued the payment. */
  const queuedEvent = (uetr: string): PaymentStatusEvent => ({
    kind: 'payment.status',
    id: newMessageId(),
    uetr,
    participant: debtor.id,
    status: 'QUEUED',
    at: Date.now(),
    queuedUntil: QUEUED_UNTIL,
  });

  /** Publishes settlement events as settlement would, on the debtor's partition. */
  const publish = async (events: readonly PaymentStatusEvent[]) =>
    (await kafkaProducer()).send({
      topic: topic('settlement.events'),
      acks: -1,
      messages: events.map((e) => ({ key: debtor.id, value: JSON.stringify(e) })),
    });

  it('takes liquidity { queue, queueFor } on a payment and on batch items, and refuses a bad one with its field path', async () => {
    const q = await quote('1.00');
    const error = await debtor.client.createPayment({ ...paymentBody(q.id), liquidity: { onShortfall: 'queue' } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NostroApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((error as NostroApiError).problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'liquidity.queueFor' })]));
    // The quote was not used by the refused request: the same quote pays with a valid instruction, and settles (funded).
    const accepted = await debtor.client.createPayment({ ...paymentBody(q.id), liquidity: { onShortfall: 'queue', queueFor: 600 } });
    expect((await finalStatus(debtor.client, accepted.uetr)).status).toBe('SETTLED');
    const batch = await debtor.client.createPayments([
      { ...paymentBody((await quote('1.00')).id), liquidity: { onShortfall: 'reject' } },
      { ...paymentBody((await quote('1.00')).id), liquidity: { onShortfall: 'queue', queueFor: 86_401 } },
    ]);
    expect(batch.results[0]).toMatchObject({ status: 'RECEIVED' });
    expect(batch.results[1]).toMatchObject({
      problem: { status: 400, code: 'validation_failed', errors: [expect.objectContaining({ path: 'liquidity.queueFor' })] },
    });
  });

  it('refuses a pacs.008 transaction whose TillTm has passed, and accepts one 10 minutes ahead', async () => {
    const [late, soon] = [await quote('1.00'), await quote('1.00')];
    const till = (ms: number) => new Date(Date.now() + ms).toISOString().slice(11, 19) + 'Z';
    const date = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);
    const tx = (index: number, q: { id: string; sendAmount: string }, ms: number): Pacs008Transaction => ({
      index,
      quoteId: q.id,
      endToEndId: `Q-${index}-${randomUUID().slice(0, 6)}`,
      amount: q.sendAmount,
      currency: 'USD',
      debtor: { name: 'A', account: 'US01' },
      creditor: { name: 'B', account: 'DE01' },
      debtorAgent: debtor.id,
      creditorAgent: creditor.id,
      settlementPriority: 'NORM',
      settlementTime: { tillTime: till(ms), settlementDate: date(ms), path: '' },
    });
    const xml = buildPacs008Inbound({
      messageId: `MSG-${randomUUID().slice(0, 8)}`,
      createdAt: new Date().toISOString(),
      transactions: [tx(0, late, -60_000), tx(1, soon, 600_000)],
    });
    const answer = await signed({
      method: 'POST',
      path: '/v1/iso20022/pacs.008',
      body: xml,
      headers: { 'content-type': 'application/xml' },
      keyId: debtor.id,
      seed: debtor.seed,
      idempotencyKey: randomUUID(),
    });
    expect(answer.status).toBe(202);
    const report = parsePacs002(answer.text);
    expect(report.transactions.map((t) => t.status)).toEqual(['RJCT', 'RCVD']);
    expect(report.transactions[0]?.reason).toMatchObject({ additionalInfo: 'validation_failed' });
  });

  it('shows QUEUED with queuedUntil (JSON and pacs.002 PDNG), tells the debtor by payment.queued, and an operator cancels it', async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: '5000.00' });
    const uetr = await held();
    await publish([queuedEvent(uetr)]);
    const queued = await eventually(
      () => debtor.client.getPayment(uetr),
      (p: Payment) => p.status === 'QUEUED',
    );
    expect(queued).toMatchObject({ status: 'QUEUED', queuedUntil: '2031-01-02T03:04:05.000Z' });
    expect((await debtor.client.listPayments({ status: 'QUEUED' })).data.map((p) => p.uetr)).toContain(uetr);
    const xml = await signed({ path: `/v1/payments/${uetr}`, headers: { accept: 'application/xml' }, keyId: debtor.id, seed: debtor.seed });
    expect(parsePacs002(xml.text).transactions[0]).toMatchObject({ status: 'PDNG' });
    const hook = await eventually(
      async () =>
        hooks.received
          .map((r) => JSON.parse(r.body) as { type: string; data: { payment: Payment } })
          .find((h) => h.type === 'payment.queued' && h.data.payment.uetr === uetr),
      (h) => h !== undefined,
    );
    expect(hook?.data.payment).toMatchObject({ status: 'QUEUED', queuedUntil: '2031-01-02T03:04:05.000Z' });

    // A viewer may not cancel; an approver may, on behalf of the debtor bank.
    const viewer = await newOperatorToken(`viewer ${randomUUID().slice(0, 6)}`, 'viewer');
    const asViewer = await raw({
      method: 'POST',
      path: `/v1/admin/payments/${uetr}/cancel`,
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: '{}',
    });
    expect(asViewer.status).toBe(403);
    const approver = await newOperatorToken(`approver ${randomUUID().slice(0, 6)}`, 'approver');
    const cancel = () =>
      raw({
        method: 'POST',
        path: `/v1/admin/payments/${uetr}/cancel`,
        headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ reason: 'waited too long' }),
      });
    const key = randomUUID();
    expect(await cancel()).toMatchObject({ status: 200, body: { uetr, status: 'CANCELLED' } });
    expect(await cancel()).toMatchObject({ status: 200, body: { uetr, status: 'CANCELLED' } });
    expect(await debtor.client.getPayment(uetr)).toMatchObject({ status: 'CANCELLED', reason: 'waited too long' });
    expect(await debtor.client.getPayment(uetr)).not.toHaveProperty('queuedUntil');
  });

  it('applies a settlement event published twice (an outbox relay’s copy) once: one timeline entry, one webhook', async () => {
    const [first, marker] = [await held(), await held()];
    const hooksFor = (uetr: string) =>
      hooks.received
        .map((r) => JSON.parse(r.body) as { type: string; data: { payment: Payment } })
        .filter((h) => h.type === 'payment.queued' && h.data.payment.uetr === uetr);
    const event = queuedEvent(first);
    await publish([event]);
    expect(
      await eventually(
        async () => hooksFor(first).length,
        (n) => n === 1,
      ),
    ).toBe(1);
    // The copy comes later, at another offset, as a relay that died between Kafka's acknowledgement and its commit
    // would publish it. The gateway keeps no inbox for these events (docs/architecture.md): only its checks of the
    // state it changes keep the copy from counting twice. The marker after it, on the same partition, shows it was read.
    await publish([event, queuedEvent(marker)]);
    expect(
      await eventually(
        async () => hooksFor(marker).length,
        (n) => n === 1,
      ),
    ).toBe(1);
    expect(
      await consistently(
        async () => hooksFor(first).length,
        (n) => n === 1,
        1_000,
      ),
    ).toBe(1);
    expect((await debtor.client.getPayment(first)).timeline.filter((t) => t.status === 'QUEUED')).toHaveLength(1);
  });

  it('an operator cannot cancel a settled payment (409 payment_not_cancellable) nor one that does not exist (404)', async () => {
    const { uetr } = await debtor.client.createPayment(paymentBody((await quote('1.00')).id));
    expect((await finalStatus(debtor.client, uetr)).status).toBe('SETTLED');
    expect(await codeOf(admin.cancelPayment(uetr))).toBe('409 payment_not_cancellable');
    expect(await codeOf(admin.cancelPayment(randomUUID()))).toBe('404 not_found');
  });

  it('shows queued per currency on GET /v1/accounts', async () => {
    expect((await debtor.client.getAccounts()).data).toEqual([expect.objectContaining({ currency: 'USD', queued: '0.00' })]);
  });
});
