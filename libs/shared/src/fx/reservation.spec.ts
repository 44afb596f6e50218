import fc from 'fast-check';
import { IllegalReservationTransitionError, ReservationState, allocateLiquidity, availableMinor, transitionReservation } from './reservation';

describe('reservation state machine', () => {
  it('allows exactly the documented moves', () => {
    const states = Object.values(ReservationState);
    const allowed = new Set(['held→used', 'held→released', 'used→settled', 'used→released', 'settled→released']);
    for (const from of states) {
      for (const to of states) {
        const move = `${from}→${to}`;
        if (allowed.has(move)) expect(transitionReservation(from, to)).toBe(to);
        else expect(() => transitionReservation(from, to)).toThrow(IllegalReservationTransitionError);
      }
    }
  });
});

describe('availableMinor', () => {
  it('is balance plus net debit cap minus reservations; unbounded only for an uncapped account', () => {
    expect(availableMinor({ balanceMinor: 1000n, netDebitCapMinor: 0n }, 300n)).toBe(700n);
    expect(availableMinor({ balanceMinor: 1000n, netDebitCapMinor: 500n }, 300n)).toBe(1200n);
    expect(availableMinor({ balanceMinor: 1000n, netDebitCapMinor: null }, 300n)).toBeNull();
    expect(availableMinor(undefined, 0n)).toBe(0n);
  });
});

describe('allocateLiquidity', () => {
  it('serves demands in order, letting a smaller later one through after a refusal', () => {
    const headroom = new Map<string, bigint | null>([
      ['EUR', 1000n],
      ['JPY', null],
    ]);
    const demands = [
      { currency: 'EUR', amountMinor: 600n },
      { currency: 'EUR', amountMinor: 500n },
      { currency: 'EUR', amountMinor: 400n },
      { currency: 'EUR', amountMinor: 1n },
      { currency: 'JPY', amountMinor: 10n ** 20n },
      { currency: 'GBP', amountMinor: 1n },
    ];
    expect(allocateLiquidity(demands, headroom)).toEqual([true, false, true, false, true, false]);
  });

  it('never allocates more than the headroom (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -100n, max: 10_000n }), fc.array(fc.bigInt({ min: 0n, max: 3_000n }), { maxLength: 50 }), (room, amounts) => {
        const granted = allocateLiquidity(
          amounts.map((amountMinor) => ({ currency: 'EUR', amountMinor })),
          new Map([['EUR', room]]),
        );
        const total = amounts.reduce((sum, a, i) => (granted[i] ? sum + a : sum), 0n);
        expect(total <= (room > 0n ? room : 0n)).toBe(true);
        // Greedy in order: a refused demand did not fit in what was left at its turn.
        let left = room;
        amounts.forEach((a, i) => {
          expect(granted[i]).toBe(a <= left);
          if (granted[i]) left -= a;
        });
      }),
      { numRuns: 2_000 },
    );
  });
});
