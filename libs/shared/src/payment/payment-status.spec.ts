import { IllegalTransitionError, PaymentStatus, isFinalStatus, transition } from './payment-status';

describe('payment state machine', () => {
  it('allows the documented path and the hold branch', () => {
    expect(transition('RECEIVED', 'SUBMITTED')).toBe('SUBMITTED');
    expect(transition('RECEIVED', 'HELD')).toBe('HELD');
    expect(transition('HELD', 'SUBMITTED')).toBe('SUBMITTED');
    expect(transition('SUBMITTED', 'SETTLED')).toBe('SETTLED');
    expect(transition('SUBMITTED', 'REJECTED')).toBe('REJECTED');
    expect(transition('RECEIVED', 'REJECTED')).toBe('REJECTED');
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
});
