import { randomUUID } from 'node:crypto';
import { asCurrency, parseAmount } from '@nostro/shared';
import { TestBank, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import {
  adminCall,
  closeKafka,
  decide,
  intentFor,
  ledgerCopies,
  makeQuote,
  operatorToken,
  paymentState,
  produceRequests,
  serviceControl,
  setLimits,
  settlementEvents,
  waitStatus,
} from './support/settlement';

const party = { name: 'A', account: '1' };

/** Holds above a threshold or on screening, M-of-N release by distinct approvers, and the hold deadline. */
describe('holds and operator approval', () => {
  let debtor: TestBank;
  let creditor: TestBank;
  let approverA: { id: string; token: string };
  let approverB: { id: string; token: string };
  let viewer: { id: string; token: string };

  async function heldPayment(sendAmount: string): Promise<string> {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ quoteId: quote.id, endToEndId: `HOLD-${sendAmount}`, debtor: party, creditor: party });
    await waitStatus(uetr, 'HELD');
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'HELD',
    );
    return uetr;
  }

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '20000.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '1000000.00');
    expect(await setLimits(debtor.id, { currency: 'USD', netDebitCap: '0', holdAbove: '500.00' })).toMatchObject({
      status: 200,
      body: { holdAbove: '500.00', status: 'SETTLED' },
    });
    [approverA, approverB, viewer] = await Promise.all([operatorToken('approver'), operatorToken('approver'), operatorToken('viewer')]);
  });

  afterAll(() => closeKafka());

  it('holds a payment above the threshold and submits it after two distinct approvals', async () => {
    const uetr = await heldPayment('600.00');
    const bankView = await debtor.client.getPayment(uetr);
    expect(bankView.timeline.map((t) => [t.status, (t as { reason?: string }).reason])).toEqual([
      ['RECEIVED', undefined],
      ['HELD', 'amount_above_hold_threshold'],
    ]);

    const listed = await adminCall(viewer.token, 'GET', `/v1/admin/payments?status=HELD&participant=${debtor.id}`);
    expect(listed.status).toBe(200);
    expect((listed.body.data as { uetr: string; approvals: number }[]).find((p) => p.uetr === uetr)).toMatchObject({ approvals: 0, status: 'HELD' });

    expect(await decide(viewer.token, uetr, 'approve')).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const key = randomUUID();
    const first = await decide(approverA.token, uetr, 'approve', key);
    expect(first).toMatchObject({
      status: 201,
      body: { uetr, decision: { decision: 'approve', state: 'recorded', operator: { id: approverA.id } }, payment: { status: 'HELD', approvals: 1 } },
    });
    expect(await decide(approverA.token, uetr, 'approve', key)).toEqual(first);
    expect(await decide(approverA.token, uetr, 'reject', key)).toMatchObject({ status: 409, body: { code: 'idempotency_conflict' } });
    expect(await decide(approverA.token, uetr, 'approve')).toMatchObject({ status: 409, body: { code: 'approver_already_decided' } });
    expect(await adminCall(approverA.token, 'POST', `/v1/admin/payments/${uetr}/decisions`, { decision: 'approve' })).toMatchObject({
      status: 400,
      body: { code: 'idempotency_key_required' },
    });

    const second = await decide(approverB.token, uetr, 'approve');
    expect(second).toMatchObject({ status: 201, body: { payment: { approvals: 2 } } });
    expect(['SUBMITTED', 'SETTLED']).toContain((second.body.payment as { status: string }).status);
    const state = await waitStatus(uetr);
    expect(state?.status).toBe('SETTLED');
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED']);
    expect(state?.events[2].cause).toMatch(/^approved by 2 of 2, last operator .+ \(.+\)$/);
    const decisions = await withDb(
      'settlement',
      async (db) =>
        (
          await db.query<{ operator_id: string; outcome: string; refusal: string | null }>(
            'SELECT operator_id, outcome, refusal FROM payment_decisions WHERE uetr = $1 ORDER BY recorded_at',
            [uetr],
          )
        ).rows,
    );
    expect(decisions).toEqual([
      { operator_id: approverA.id, outcome: 'recorded', refusal: null },
      { operator_id: approverA.id, outcome: 'refused', refusal: 'approver_already_decided' },
      { operator_id: approverB.id, outcome: 'recorded', refusal: null },
    ]);
    await eventually(
      () => debtor.client.getPayment(uetr),
      (p) => p.status === 'SETTLED',
    );
    expect(await decide(approverA.token, uetr, 'reject')).toMatchObject({ status: 409, body: { code: 'payment_not_held' } });
  });

  it('does not hold a payment whose total debit is within the threshold', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '450.00', creditorParticipant: creditor.id });
    expect(parseAmount(quote.totalDebit, asCurrency('USD'))).toBeLessThanOrEqual(50_000n);
    const { uetr } = await debtor.client.createPayment({ quoteId: quote.id, endToEndId: 'WITHIN-THRESHOLD', debtor: party, creditor: party });
    const state = await waitStatus(uetr);
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
  });

  it('rejects a held payment at the first rejection, after an approval (rejected_by_operator)', async () => {
    const uetr = await heldPayment('700.00');
    expect(await decide(approverA.token, uetr, 'approve')).toMatchObject({ status: 201, body: { payment: { status: 'HELD', approvals: 1 } } });
    const rejected = await decide(approverB.token, uetr, 'reject', randomUUID(), 'beneficiary not verified');
    expect(rejected).toMatchObject({
      status: 201,
      body: { decision: { decision: 'reject', comment: 'beneficiary not verified' }, payment: { status: 'REJECTED', reason: 'rejected_by_operator' } },
    });
    const state = await waitStatus(uetr);
    expect(state).toMatchObject({ status: 'REJECTED', reason: 'rejected_by_operator', blockHeight: null });
    expect(state?.events[2].cause).toMatch(/^rejected by operator .*: beneficiary not verified$/);
    expect(await ledgerCopies(uetr)).toEqual([0, 0, 0]);
    const events = await settlementEvents([uetr], (e) => e.some((x) => x.kind === 'payment.status' && x.status === 'REJECTED'));
    expect(events.flatMap((e) => (e.kind === 'payment.status' ? [e.status] : []))).toEqual(['HELD', 'REJECTED']);
  });

  it('holds a payment the gateway screening flagged, whatever its amount, with the screening reason', async () => {
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 100n }), {
      screening: { action: 'hold', reason: 'sanctions: possible name match (entry 17)' },
    });
    await produceRequests([intent]);
    const state = await waitStatus(intent.uetr, 'HELD');
    expect(state?.events.map((e) => [e.status, e.reason, e.cause])).toEqual([
      ['RECEIVED', null, 'payment intent'],
      ['HELD', 'sanctions: possible name match (entry 17)', 'held: screening'],
    ]);
  });

  describe('hold deadline', () => {
    afterAll(() => serviceControl('restart', 'settlement'));

    it('rejects a held payment nobody approved in time (hold_expired), which frees its FX reservation', async () => {
      await serviceControl('restart', 'settlement', { HOLD_DEADLINE_MINUTES: '0.05', SWEEP_INTERVAL_MS: '500' });
      const uetr = await heldPayment('800.00');
      const state = await waitStatus(uetr, 'REJECTED', 20_000);
      expect(state).toMatchObject({ status: 'REJECTED', reason: 'hold_expired' });
      expect(state?.events.map((e) => [e.status, e.cause])).toEqual([
        ['RECEIVED', 'payment intent'],
        ['HELD', 'held: threshold'],
        ['REJECTED', 'hold deadline passed'],
      ]);
      const events = await settlementEvents([uetr], (e) => e.some((x) => x.kind === 'payment.status' && x.status === 'REJECTED'));
      expect(events.find((e) => e.kind === 'payment.status' && e.status === 'REJECTED')).toMatchObject({ reason: 'hold_expired', participant: debtor.id });
      await eventually(
        () => debtor.client.getPayment(uetr),
        (p) => p.status === 'REJECTED',
      );
      expect(await decide(approverA.token, uetr, 'approve')).toMatchObject({ status: 409, body: { code: 'payment_not_held' } });
    });

    it('refuses a decision that arrives after the deadline even before the sweeper ran, and rejects the payment', async () => {
      await serviceControl('restart', 'settlement', { HOLD_DEADLINE_MINUTES: '0.03', SWEEP_INTERVAL_MS: '600000' });
      const uetr = await heldPayment('900.00');
      // Until the hold deadline settlement recorded has passed (no sweeper will run): then the decision comes too late.
      const heldUntil = (await paymentState(uetr))?.heldUntil?.getTime() ?? 0;
      expect(heldUntil).toBeGreaterThan(0);
      await eventually(
        async () => Date.now(),
        (now) => now > heldUntil + 50,
        10_000,
      );
      expect(await decide(approverA.token, uetr, 'approve')).toMatchObject({ status: 409, body: { code: 'hold_expired' } });
      expect(await waitStatus(uetr)).toMatchObject({ status: 'REJECTED', reason: 'hold_expired' });
    });
  });
});
