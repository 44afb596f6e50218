/**
 * The gateway's side of conditional payments (API.md "Conditional payments"): the condition on JSON payments and batch
 * items, the creditor's fulfilment and each refusal the gateway answers at once, RESERVED in the views and webhooks
 * (published here as settlement would, for a payment held before the ledger), and one escrow through the running
 * cluster: reserved, fulfilled, and proven by the fulfilment's finality proof. The ledger's escrow itself (expiry by
 * block time, refunds) is tested through the ledger end to end.
 */
import { NostroApiError, newCondition, type Payment } from '@nostro/client';
import { parsePacs002 } from '@nostro/iso20022';
import { newMessageId, type PaymentStatusEvent } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { adminClient, eventually, fundFxDesk } from '../support/cluster';
import { closeKafka, kafkaProducer, topic } from '../settlement/support/settlement';
import { bankWithKey, codeOf, paymentBody, signed, startReceiver, type Receiver } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;
type Hook = { type: string; data: { payment: Payment; finality?: { transaction: Record<string, unknown> } } };

describe('conditional payments at the gateway', () => {
  let debtor: Bank;
  let creditor: Bank;
  let debtorHooks: Receiver;
  let creditorHooks: Receiver;
  const admin = adminClient();
  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000);

  beforeAll(async () => {
    [debtorHooks, creditorHooks] = await Promise.all([startReceiver(), startReceiver()]);
    debtor = await bankWithKey(['USD'], { deposits: { USD: '10000.00' }, webhookUrl: debtorHooks.url });
    creditor = await bankWithKey(['EUR'], { webhookUrl: creditorHooks.url });
    await fundFxDesk('EUR', '100000.00');
  });

  afterAll(async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: null });
    await Promise.all([debtorHooks.close(), creditorHooks.close()]);
    await closeKafka();
  });

  const quote = (sendAmount: string) =>
    debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
  const hookOf = (receiver: Receiver, type: string, uetr: string) =>
    eventually(
      async () => receiver.received.map((r) => JSON.parse(r.body) as Hook).find((h) => h.type === type && h.data.payment.uetr === uetr),
      (h) => h !== undefined,
    ) as Promise<Hook>;
  const publish = async (event: Omit<PaymentStatusEvent, 'kind' | 'id' | 'participant' | 'at'>) => {
    const full: PaymentStatusEvent = { kind: 'payment.status', id: newMessageId(), participant: debtor.id, at: Date.now(), ...event };
    await (await kafkaProducer()).send({ topic: topic('settlement.events'), acks: -1, messages: [{ key: debtor.id, value: JSON.stringify(full) }] });
  };

  it('refuses a bad condition with its field path (single and batch item) and keeps the quote unused', async () => {
    const q = await quote('1.00');
    const bad = { type: 'sha256' as const, hash: 'AB'.repeat(32), expiresAt: inHours(1).toISOString() };
    const error = await debtor.client.createPayment({ ...paymentBody(q.id), condition: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NostroApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((error as NostroApiError).problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'condition.hash' })]));
    const batch = await debtor.client.createPayments([
      { ...paymentBody(q.id), condition: newCondition(inHours(31 * 24)).condition },
      { ...paymentBody((await quote('1.00')).id), condition: newCondition(new Date(Date.now() - 1_000)).condition },
    ]);
    for (const result of batch.results) {
      expect(result).toMatchObject({ problem: { status: 400, code: 'validation_failed', errors: [expect.objectContaining({ path: 'condition.expiresAt' })] } });
    }
  });

  it('checks a fulfilment at once: 404 for others, each refusal, RESERVED in the views and webhooks, 202 and its replay', async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: '5000.00' });
    const { preimage, condition } = newCondition(inHours(2));
    // Held above the threshold: it waits before the ledger, so the test decides what settlement reports.
    const { uetr } = await debtor.client.createPayment({ ...paymentBody((await quote('6000.00')).id), condition });
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'HELD',
    );
    expect(await creditor.client.getIncomingPayment(uetr)).toMatchObject({ status: 'HELD', condition });
    const wrong = newCondition(inHours(2)).preimage;
    expect(await codeOf(debtor.client.fulfil(uetr, preimage))).toBe('404 not_found');
    expect(await codeOf(creditor.client.fulfil(randomUUID(), preimage))).toBe('404 not_found');
    expect(await codeOf(creditor.client.fulfil(uetr, wrong))).toBe('422 condition_not_met');
    expect(await codeOf(creditor.client.fulfil(uetr, preimage))).toBe('409 payment_not_reserved');
    expect(await codeOf(creditor.client.fulfil(uetr, 'not base64url!'))).toBe('400 validation_failed');

    // Settlement's RESERVED event, as it publishes it once the ledger holds the funds in escrow.
    const reservedUntil = Date.parse(condition.expiresAt);
    await publish({ uetr, status: 'SUBMITTED' });
    await publish({ uetr, status: 'RESERVED', reservedUntil });
    const reserved = await eventually(
      () => debtor.client.getPayment(uetr),
      (p: Payment) => p.status === 'RESERVED',
    );
    expect(reserved).toMatchObject({ status: 'RESERVED', condition, reservedUntil: condition.expiresAt });
    expect((await creditor.client.listIncomingPayments({ status: 'RESERVED' })).data.map((p) => p.uetr)).toContain(uetr);
    const xml = await signed({ path: `/v1/payments/${uetr}`, headers: { accept: 'application/xml' }, keyId: debtor.id, seed: debtor.seed });
    expect(parsePacs002(xml.text).transactions[0]).toMatchObject({ status: 'ACSP' });
    for (const receiver of [debtorHooks, creditorHooks]) {
      expect((await hookOf(receiver, 'payment.reserved', uetr)).data.payment).toMatchObject({
        status: 'RESERVED',
        condition,
        reservedUntil: condition.expiresAt,
      });
    }

    expect(await codeOf(creditor.client.fulfil(uetr, wrong))).toBe('422 condition_not_met');
    const key = randomUUID();
    expect(await creditor.client.fulfil(uetr, preimage, { idempotencyKey: key })).toEqual({ uetr, status: 'RESERVED' });
    expect(await creditor.client.fulfil(uetr, preimage, { idempotencyKey: key })).toEqual({ uetr, status: 'RESERVED' });
    // Another fulfilment while the first is on its way: the same answer.
    expect(await creditor.client.fulfil(uetr, preimage)).toEqual({ uetr, status: 'RESERVED' });

    // Expired by block time, as settlement reports it: the debtor hears payment.rejected, and a fulfilment is too late.
    await publish({ uetr, status: 'REJECTED', reason: 'condition_expired', ledgerTxId: randomUUID() });
    const rejected = await eventually(
      () => debtor.client.getPayment(uetr),
      (p: Payment) => p.status === 'REJECTED',
    );
    expect(rejected).toMatchObject({ reason: 'condition_expired', condition });
    expect(rejected).not.toHaveProperty('reservedUntil');
    expect((await hookOf(debtorHooks, 'payment.rejected', uetr)).data.payment).toMatchObject({ status: 'REJECTED', reason: 'condition_expired' });
    expect(await codeOf(creditor.client.fulfil(uetr, preimage))).toBe('409 condition_expired');
  });

  it('refuses to fulfil a payment without a condition: 409 payment_not_reserved', async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: null });
    const { uetr } = await debtor.client.createPayment(paymentBody((await quote('1.00')).id));
    expect(await codeOf(creditor.client.fulfil(uetr, newCondition(inHours(1)).preimage))).toBe('409 payment_not_reserved');
  });

  it('through the cluster: RESERVED, fulfilled, SETTLED with the fulfilment’s proof (GET finality and payment.received)', async () => {
    await admin.setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: null });
    const { preimage, condition } = newCondition(inHours(1));
    const { uetr } = await debtor.client.createPayment({ ...paymentBody((await quote('10.00')).id), condition });
    const reserved = await eventually(
      () => creditor.client.getIncomingPayment(uetr),
      (p: Payment) => p.status === 'RESERVED' || p.status === 'REJECTED',
      45_000,
    );
    expect(reserved).toMatchObject({ status: 'RESERVED', condition, reservedUntil: expect.any(String) });
    expect(await creditor.client.fulfil(uetr, preimage)).toEqual({ uetr, status: 'RESERVED' });
    const settled = await eventually(
      () => debtor.client.getPayment(uetr),
      (p: Payment) => p.status === 'SETTLED' || p.status === 'REJECTED',
      45_000,
    );
    expect(settled.status).toBe('SETTLED');
    const outgoing = await debtor.client.verifyFinality(uetr);
    const incoming = await creditor.client.verifyFinality(uetr, { incoming: true });
    expect([outgoing.ok, incoming.ok]).toEqual([true, true]);
    const proof = outgoing.proof as unknown as { transaction: { id: string; escrow?: { step: string; of: string } }; signatures: unknown[] };
    expect(proof.transaction.escrow).toMatchObject({ step: 'fulfil' });
    // The same block and transaction for both banks; the quorum's signatures may come from another validator (each
    // records the signatures it had when it saw the quorum, and the gateway asks the next one when one is behind).
    const { signatures: _outgoingSignatures, ...outgoingProof } = proof;
    const { signatures: _incomingSignatures, ...incomingProof } = incoming.proof as unknown as typeof proof;
    expect(incomingProof).toEqual(outgoingProof);
    const received = await hookOf(creditorHooks, 'payment.received', uetr);
    expect(received.data.finality?.transaction).toMatchObject({ id: proof.transaction.id, escrow: { step: 'fulfil' } });
    expect((await hookOf(debtorHooks, 'payment.settled', uetr)).data.payment.status).toBe('SETTLED');
    expect(await codeOf(creditor.client.fulfil(uetr, preimage))).toBe('409 payment_not_reserved');
  });
});
