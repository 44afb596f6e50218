import fc from 'fast-check';
import { DecisionRefusal, HeldPayment, decide } from './payment-decision';

const now = new Date('2026-11-21T10:00:00.000Z');
const held = (over: Partial<HeldPayment> = {}): HeldPayment => ({
  status: 'HELD',
  heldUntil: new Date(now.getTime() + 60_000),
  decidedBy: [],
  approvals: 0,
  ...over,
});

describe('decide (M-of-N release of a held payment)', () => {
  it('keeps the payment held until the M-th distinct approval, then submits it', () => {
    expect(decide(held(), { operatorId: 'a', decision: 'approve' }, 2, now)).toEqual({ kind: 'recorded', next: 'HELD', approvals: 1 });
    expect(decide(held({ decidedBy: ['a'], approvals: 1 }), { operatorId: 'b', decision: 'approve' }, 2, now)).toEqual({
      kind: 'recorded',
      next: 'SUBMITTED',
      approvals: 2,
    });
    expect(decide(held(), { operatorId: 'a', decision: 'approve' }, 1, now)).toMatchObject({ next: 'SUBMITTED' });
  });

  it('refuses a second decision by the same operator, whatever it says', () => {
    const p = held({ decidedBy: ['a'], approvals: 1 });
    expect(decide(p, { operatorId: 'a', decision: 'approve' }, 2, now)).toEqual({
      kind: 'refused',
      code: DecisionRefusal.APPROVER_ALREADY_DECIDED,
      expireHold: false,
    });
    expect(decide(p, { operatorId: 'a', decision: 'reject' }, 2, now)).toMatchObject({ code: DecisionRefusal.APPROVER_ALREADY_DECIDED });
  });

  it('rejects on one rejection, even after approvals', () => {
    expect(decide(held({ decidedBy: ['a'], approvals: 1 }), { operatorId: 'b', decision: 'reject' }, 3, now)).toEqual({
      kind: 'recorded',
      next: 'REJECTED',
      approvals: 1,
    });
  });

  it('refuses decisions on unknown, unheld or lapsed payments; a lapsed hold asks the caller to expire it', () => {
    expect(decide(null, { operatorId: 'a', decision: 'approve' }, 2, now)).toMatchObject({ code: DecisionRefusal.PAYMENT_NOT_FOUND, expireHold: false });
    for (const status of ['RECEIVED', 'SUBMITTED', 'SETTLED', 'REJECTED'] as const) {
      expect(decide(held({ status }), { operatorId: 'a', decision: 'approve' }, 2, now)).toMatchObject({ code: DecisionRefusal.PAYMENT_NOT_HELD });
    }
    expect(decide(held({ heldUntil: now }), { operatorId: 'a', decision: 'approve' }, 2, now)).toEqual({
      kind: 'refused',
      code: DecisionRefusal.HOLD_EXPIRED,
      expireHold: true,
    });
  });

  it('never submits with fewer than M distinct approvers, for any sequence of decisions', () => {
    const step = fc.record({ operatorId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), decision: fc.constantFrom('approve' as const, 'reject' as const) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 12 }), (required, steps) => {
        let p = held();
        const approvers = new Set<string>();
        for (const s of steps) {
          const outcome = decide(p, s, required, now);
          if (outcome.kind === 'refused') continue;
          if (s.decision === 'approve') approvers.add(s.operatorId);
          if (outcome.next === 'SUBMITTED') expect(approvers.size).toBe(required);
          p = { ...p, status: outcome.next, decidedBy: [...p.decidedBy, s.operatorId], approvals: outcome.approvals };
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
