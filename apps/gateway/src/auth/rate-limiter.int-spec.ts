/**
 * The per-participant token bucket on a real Redis: concurrent requests take their tokens together (group commit),
 * and exactly as many are allowed as if they had come one by one.
 */
import { createLogger } from '@nostro/platform';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    prefix = `nostrotest:gw:${randomBytes(6).toString('hex')}:`;
  });

  afterAll(async () => {
    // This test's keys only: others share the Redis server.
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('allows a burst of concurrent requests up to the bucket, refuses the rest with a retry time, per participant', async () => {
    // 1 token a second, a burst of 20: 50 requests at once get 20 through, whichever group they travel in.
    const limiter = new RateLimiter(redis, prefix, 1, 20, createLogger('gateway-test', 'silent'));
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.take('BANKA')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(30);
    for (const d of refused) expect(d.retryAfterMs).toBeGreaterThan(0);
    expect(refused.every((d) => d.retryAfterMs <= 1_000)).toBe(true);
    // Arrival order holds: the first ones were let through.
    expect(decisions.slice(0, 20).every((d) => d.allowed)).toBe(true);
    // Another participant has its own bucket.
    const other = await Promise.all(Array.from({ length: 5 }, () => limiter.take('BANKB')));
    expect(other.every((d) => d.allowed)).toBe(true);
  });

  it('lets requests through when Redis does not answer', async () => {
    // Never connected, and no queue to wait in: every command fails at once.
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    const limiter = new RateLimiter(down, prefix, 1, 1, createLogger('gateway-test', 'silent'));
    const decisions = await Promise.all(Array.from({ length: 3 }, () => limiter.take('BANKA')));
    expect(decisions).toEqual(Array.from({ length: 3 }, () => ({ allowed: true, retryAfterMs: 0 })));
    down.disconnect();
  });
});
