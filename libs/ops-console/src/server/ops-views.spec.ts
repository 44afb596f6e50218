import { capabilities, decisionsView, openRecallView, withoutParties } from './ops-views';

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

  it('lets only approvers and admins decide, and only admins manage participants', () => {
    expect(capabilities('viewer')).toEqual({ seeParties: false, seeAudit: false, decide: false, manageParticipants: false });
    expect(capabilities('approver')).toEqual({ seeParties: true, seeAudit: true, decide: true, manageParticipants: false });
    expect(capabilities('admin')).toEqual({ seeParties: true, seeAudit: true, decide: true, manageParticipants: true });
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
});
