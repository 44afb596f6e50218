import fc from 'fast-check';
import { DifferenceKind, LedgerRecord, SettlementRecord, classify, samePostings } from './reconciliation';

const s = (over: Partial<SettlementRecord> = {}): SettlementRecord => ({ id: 'u1', status: 'SETTLED', reason: null, height: 7, ...over });
const l = (over: Partial<LedgerRecord> = {}): LedgerRecord => ({ id: 'u1', height: 7, status: 'accepted', reason: null, ...over });

describe('classify', () => {
  it('agrees on matching outcomes and on transactions neither side has finalized', () => {
    expect(classify(s(), l())).toBeNull();
    expect(classify(s({ status: 'REJECTED', reason: 'insufficient_funds' }), l({ status: 'rejected', reason: 'insufficient_funds' }))).toBeNull();
    expect(classify(s({ status: 'SUBMITTED', height: null }), null)).toBeNull();
    expect(classify(s({ status: 'REJECTED', reason: 'quote_expired', height: null }), null)).toBeNull();
    expect(classify(null, null)).toBeNull();
  });

  it('names each kind of disagreement', () => {
    expect(classify(null, l())?.kind).toBe(DifferenceKind.UNKNOWN_TO_SETTLEMENT);
    expect(classify(s(), null)?.kind).toBe(DifferenceKind.MISSING_ON_LEDGER);
    expect(classify(s({ status: 'SUBMITTED', height: null }), l())?.kind).toBe(DifferenceKind.PENDING_BUT_FINAL);
    expect(classify(s({ status: 'HELD', height: null }), l())?.kind).toBe(DifferenceKind.PENDING_BUT_FINAL);
    expect(classify(s(), l({ status: 'rejected', reason: 'insufficient_funds' }))?.kind).toBe(DifferenceKind.OUTCOME_MISMATCH);
    expect(classify(s({ status: 'REJECTED', reason: 'limit_exceeded' }), l({ status: 'rejected', reason: 'insufficient_funds' }))?.kind).toBe(
      DifferenceKind.OUTCOME_MISMATCH,
    );
    expect(classify(s({ status: 'REJECTED', reason: 'hold_expired', height: null }), l())?.kind).toBe(DifferenceKind.OUTCOME_MISMATCH);
    // Cancelled while queued: the ledger recorded it rejected `cancelled` in the settlement's block.
    expect(classify(s({ status: 'CANCELLED', reason: null }), l({ status: 'rejected', reason: 'cancelled' }))).toBeNull();
    expect(classify(s({ status: 'CANCELLED', reason: null }), l())?.kind).toBe(DifferenceKind.OUTCOME_MISMATCH);
    expect(classify(s({ status: 'QUEUED', reason: null, height: null }), l())?.kind).toBe(DifferenceKind.PENDING_BUT_FINAL);
    expect(classify(s({ height: 8 }), l())?.kind).toBe(DifferenceKind.HEIGHT_MISMATCH);
  });

  it('describes both sides in the detail', () => {
    expect(classify(s(), l({ status: 'rejected', reason: 'insufficient_funds' }))?.detail).toBe(
      'settlement SETTLED at 7; ledger rejected (insufficient_funds) at 7',
    );
  });
});

describe('samePostings', () => {
  const posting = fc.record({
    account: fc.constantFrom('BANKUS33:USD', 'FXDESK:USD', 'FEES:USD'),
    currency: fc.constant('USD'),
    amount: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map(String),
  });

  it('is order-insensitive and counts repeats', () => {
    fc.assert(
      fc.property(fc.array(posting, { maxLength: 8 }), (list) => {
        expect(samePostings(list, [...list].reverse())).toBe(true);
        expect(samePostings(list, [...list, ...list.slice(0, 1)])).toBe(list.length === 0);
      }),
      { numRuns: 1_000 },
    );
  });

  it('sees a changed amount, account or a missing leg', () => {
    const a = [
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-100250' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '100000' },
      { account: 'FEES:USD', currency: 'USD', amount: '250' },
    ];
    expect(samePostings(a, [a[0], a[1], { ...a[2], amount: '251' }])).toBe(false);
    expect(samePostings(a, [a[0], a[1], { ...a[2], account: 'FXDESK:USD' }])).toBe(false);
    expect(samePostings(a, a.slice(0, 2))).toBe(false);
  });
});
