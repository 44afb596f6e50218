import {
  ISO20022_STATUS,
  IllegalTransitionError,
  PaymentStatus,
  isCancellable,
  isFinalStatus,
  isLedgerFinal,
  isoStatusReason,
  transition,
} from './payment-status';

describe('payment state machine', () => {
  it('allows the documented path and the hold branch', () => {
    expect(transition('RECEIVED', 'SUBMITTED')).toBe('SUBMITTED');
    expect(transition('RECEIVED', 'HELD')).toBe('HELD');
    expect(transition('HELD', 'SUBMITTED')).toBe('SUBMITTED');
    expect(transition('SUBMITTED', 'SETTLED')).toBe('SETTLED');
    expect(transition('SUBMITTED', 'REJECTED')).toBe('REJECTED');
    expect(transition('RECEIVED', 'REJECTED')).toBe('REJECTED');
  });

  it('cancels only before the ledger, and returns only a settled payment', () => {
    expect(transition('RECEIVED', 'CANCELLED')).toBe('CANCELLED');
    expect(transition('HELD', 'CANCELLED')).toBe('CANCELLED');
    expect(() => transition('SUBMITTED', 'CANCELLED')).toThrow(IllegalTransitionError);
    expect(() => transition('SETTLED', 'CANCELLED')).toThrow(IllegalTransitionError);
    expect(transition('SETTLED', 'RETURNED')).toBe('RETURNED');
    expect(() => transition('REJECTED', 'RETURNED')).toThrow(IllegalTransitionError);
    expect(['RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED'].filter((s) => isCancellable(s as PaymentStatus))).toEqual(['RECEIVED', 'HELD']);
    expect(Object.values(PaymentStatus).filter(isFinalStatus)).toEqual(['REJECTED', 'CANCELLED', 'RETURNED']);
    expect(Object.values(PaymentStatus).filter(isLedgerFinal)).toEqual(['SETTLED', 'REJECTED', 'RETURNED']);
  });

  it('refuses every other move, and nothing leaves a final state', () => {
    const all = Object.values(PaymentStatus);
    for (const from of all.filter(isFinalStatus)) {
      for (const to of all) expect(() => transition(from, to)).toThrow(IllegalTransitionError);
    }
    expect(() => transition('RECEIVED', 'SETTLED')).toThrow(IllegalTransitionError);
    expect(() => transition('SUBMITTED', 'HELD')).toThrow(IllegalTransitionError);
    expect(() => transition('SUBMITTED', 'SUBMITTED')).toThrow(IllegalTransitionError);
  });

  it('maps statuses and rejection reasons to ISO 20022 pacs.002 codes as API.md lists them', () => {
    expect(ISO20022_STATUS).toMatchObject({ RECEIVED: 'RCVD', HELD: 'PDNG', SUBMITTED: 'ACSP', SETTLED: 'ACSC', REJECTED: 'RJCT', CANCELLED: 'CANC' });
    expect(isoStatusReason('insufficient_funds')).toEqual({ code: 'AM04' });
    expect(isoStatusReason('not_after_passed')).toEqual({ code: 'AB05' });
    expect(isoStatusReason('hold_expired')).toEqual({ code: 'AG03' });
    expect(isoStatusReason('quote_already_used')).toEqual({ code: 'NARR', additionalInfo: 'quote_already_used' });
  });
});
