import fc from 'fast-check';
import { retryDelayMs } from './webhook.backoff';

const policy = { baseMs: 1_000, maxMs: 600_000 };

describe('webhook retry delays: exponential, jittered, capped', () => {
  it('doubles per failure between half and all of base × 2^(n-1)', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, () => 1)).toBe(1_000);
    expect(retryDelayMs(2, policy, () => 0)).toBe(1_000);
    expect(retryDelayMs(4, policy, () => 1)).toBe(8_000);
  });

  it('never exceeds the cap, never goes below half of it once reached, for any failure count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const delay = retryDelayMs(n, policy, () => r);
        const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
        return delay >= nominal / 2 && delay <= nominal && delay <= policy.maxMs;
      }),
    );
  });

  it('spreads endpoints that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(6, policy)));
    expect(delays.size).toBeGreaterThan(40);
  });
});
