import { PaymentSummaryRow } from './ops-payments.repository';
import { capabilities, decisionsView, openRecallView, paymentSummaryView, requestView, withoutParties } from './ops-views';

const payment = {
  uetr: 'u',
  status: 'HELD',
  debtor: { name: 'Alice', account: 'US001' },
  creditor: { name: 'Bernd', account: 'DE89' },
  remittanceInfo: 'invoice 7',
};
const extras = { approvals: 1, decisions: [{ operator: { id: 'o1', name: 'Ada' }, decision: 'approve', state: 'recorded', at: '2026-11-22T00:00:00.000Z' }] };

describe('what each role sees', () => {
  it('gives a viewer no customer data and no approver names, only the approval count', () => {
    expect(withoutParties(payment, 'viewer')).toEqual({ uetr: 'u', status: 'HELD' });
    expect(decisionsView(extras, 'viewer')).toEqual({ approvals: 1, decisions: [] });
  });

  it('gives approvers and admins the parties and the decisions', () => {
    for (const role of ['approver', 'admin'] as const) {
      expect(withoutParties(payment, role)).toEqual(payment);
      expect(decisionsView(extras, role).decisions).toHaveLength(1);
    }
  });

  it('lets only approvers and admins decide payments, and only admins manage participants and decide held operator calls', () => {
    expect(capabilities('viewer')).toEqual({ seeParties: false, seeAudit: false, decide: false, manageParticipants: false, decideRequests: false });
    expect(capabilities('approver')).toEqual({ seeParties: true, seeAudit: true, decide: true, manageParticipants: false, decideRequests: false });
    expect(capabilities('admin')).toEqual({ seeParties: true, seeAudit: true, decide: true, manageParticipants: true, decideRequests: true });
  });

  it("leaves a recall's free-text comment out for a viewer, on the payment and in the recalls list", () => {
    const recalled = { ...payment, recall: { recallId: 'r', status: 'PENDING', reason: 'DUPL', comment: 'Alice says twice', respondBy: 't' } };
    expect(withoutParties(recalled, 'viewer')).toEqual({
      uetr: 'u',
      status: 'HELD',
      recall: { recallId: 'r', status: 'PENDING', reason: 'DUPL', respondBy: 't' },
    });
    expect(withoutParties(recalled, 'approver')).toEqual(recalled);
    const row = {
      recallId: 'r',
      uetr: 'u',
      reason: 'DUPL',
      comment: 'Alice says twice',
      requestedAt: 'a',
      respondBy: 'b',
      debtor: 'BANKUS33',
      creditor: 'BANKDE33',
      amount: '1.00',
      currency: 'EUR',
      cursorAt: 'b',
    };
    expect(openRecallView(row, 'viewer')).not.toHaveProperty('comment');
    expect(openRecallView(row, 'admin')).toMatchObject({ comment: 'Alice says twice', waitingOn: 'BANKDE33' });
  });

  describe('a held operator call (dual control)', () => {
    const held = {
      requestId: 'r1',
      status: 'APPROVED',
      action: 'admin.operators.post',
      method: 'POST',
      path: '/v1/admin/operators',
      body: { name: 'Mallory', role: 'admin' },
      requestedBy: { id: 'alice', name: 'Alice' },
      createdAt: 'a',
      expiresAt: 'b',
      decidedBy: { id: 'bob', name: 'Bob' },
      decidedAt: 'c',
      comment: 'on the list',
      result: { status: 201, body: { id: 'op-9', name: 'Mallory', role: 'admin', token: 'op_the-new-operators-secret' } },
    };

    it("never shows a created operator's token, whatever the gateway kept", () => {
      for (const role of ['viewer', 'approver', 'admin'] as const) {
        const view = requestView(held, { id: 'carol', role });
        expect(view.result).toEqual({ status: 201, body: { id: 'op-9', name: 'Mallory', role: 'admin' } });
        expect(JSON.stringify(view)).not.toContain('op_the-new-operators-secret');
      }
    });

    it('shows who asked, who decided and why to approvers and admins, not to a viewer', () => {
      expect(requestView(held, { id: 'carol', role: 'viewer' })).toEqual({
        requestId: 'r1',
        status: 'APPROVED',
        action: 'admin.operators.post',
        method: 'POST',
        path: '/v1/admin/operators',
        body: { name: 'Mallory', role: 'admin' },
        createdAt: 'a',
        expiresAt: 'b',
        decidedAt: 'c',
        mine: false,
        result: { status: 201, body: { id: 'op-9', name: 'Mallory', role: 'admin' } },
      });
      expect(requestView(held, { id: 'carol', role: 'admin' })).toMatchObject({
        requestedBy: held.requestedBy,
        decidedBy: held.decidedBy,
        comment: 'on the list',
      });
    });

    it("marks the operator's own requests (four eyes: a different admin must decide them)", () => {
      expect(requestView(held, { id: 'alice', role: 'admin' }).mine).toBe(true);
      expect(requestView({ ...held, result: undefined }, { id: 'bob', role: 'admin' })).toMatchObject({ mine: false });
      expect(requestView({ ...held, result: undefined }, { id: 'bob', role: 'admin' })).not.toHaveProperty('result');
    });
  });
});

describe("a payment's summary in the lists", () => {
  const row: PaymentSummaryRow = {
    uetr: 'u',
    end_to_end_id: 'E2E',
    status: 'RECEIVED',
    reason: null,
    participant: 'BANKUS33',
    creditor_participant: 'BANKDE33',
    source_currency: 'USD',
    target_currency: 'EUR',
    send_amount: '10.00',
    receive_amount: '9.00',
    total_debit: '10.50',
    block_height: null,
    created_at_iso: '2031-01-01T00:00:00.000000Z',
    updated_at: new Date('2031-01-01T00:00:01.000Z'),
    queued_until: null,
    reserved_until: null,
    condition_expires_at: null,
  };
  const queuedUntil = new Date('2031-01-02T03:04:05.000Z');
  const expiresAt = new Date('2031-01-03T00:00:00.000Z');

  it('carries the queue deadline while QUEUED and the escrow deadline while RESERVED (the condition expiry until the ledger set one)', () => {
    expect(paymentSummaryView({ ...row, status: 'QUEUED', queued_until: queuedUntil })).toMatchObject({ queuedUntil: '2031-01-02T03:04:05.000Z' });
    expect(paymentSummaryView({ ...row, status: 'RESERVED', condition_expires_at: expiresAt })).toMatchObject({ reservedUntil: '2031-01-03T00:00:00.000Z' });
    const reserved = paymentSummaryView({ ...row, status: 'RESERVED', reserved_until: queuedUntil, condition_expires_at: expiresAt });
    expect(reserved).toMatchObject({ reservedUntil: '2031-01-02T03:04:05.000Z' });
    expect(reserved).not.toHaveProperty('queuedUntil');
  });

  it('carries no deadline once the payment stopped waiting', () => {
    const settled = paymentSummaryView({ ...row, status: 'SETTLED', block_height: 4n, queued_until: queuedUntil, condition_expires_at: expiresAt });
    expect(settled).not.toHaveProperty('queuedUntil');
    expect(settled).not.toHaveProperty('reservedUntil');
    expect(settled.blockHeight).toBe(4);
  });
});
