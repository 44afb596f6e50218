import { AMOUNT_ABOVE_HOLD_THRESHOLD, holdDeadline, holdFor, isPast } from './payment-hold';

describe('holdFor', () => {
  it('submits at once without a threshold or a screening hold', () => {
    expect(holdFor({ totalDebitMinor: 10n ** 12n, holdAboveMinor: null })).toBeNull();
  });

  it('holds only amounts strictly above the threshold', () => {
    expect(holdFor({ totalDebitMinor: 100_000n, holdAboveMinor: 100_000n })).toBeNull();
    expect(holdFor({ totalDebitMinor: 100_001n, holdAboveMinor: 100_000n })).toEqual({ source: 'threshold', reason: AMOUNT_ABOVE_HOLD_THRESHOLD });
    expect(holdFor({ totalDebitMinor: 1n, holdAboveMinor: 0n })).toEqual({ source: 'threshold', reason: AMOUNT_ABOVE_HOLD_THRESHOLD });
  });

  it('puts a screening hold first, with the reason operators see', () => {
    const screening = { action: 'hold' as const, reason: 'sanctions list: name matches entry 42' };
    expect(holdFor({ totalDebitMinor: 1n, holdAboveMinor: null, screening })).toEqual({ source: 'screening', reason: screening.reason });
    expect(holdFor({ totalDebitMinor: 999n, holdAboveMinor: 1n, screening })?.source).toBe('screening');
  });
});

describe('hold deadline', () => {
  it('adds the configured time and lapses exactly at the deadline', () => {
    const heldAt = new Date('2026-11-21T10:00:00.000Z');
    const deadline = holdDeadline(heldAt, 15 * 60_000);
    expect(deadline.toISOString()).toBe('2026-11-21T10:15:00.000Z');
    expect(isPast(deadline, new Date(deadline.getTime() - 1))).toBe(false);
    expect(isPast(deadline, deadline)).toBe(true);
  });

  it('refuses a deadline that is not a positive whole number of ms', () => {
    expect(() => holdDeadline(new Date(), 0)).toThrow();
    expect(() => holdDeadline(new Date(), 1.5)).toThrow();
  });
});
