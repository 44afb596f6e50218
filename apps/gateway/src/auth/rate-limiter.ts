import { GroupCommit, Logger, counter } from '@nostro/platform';
import Redis from 'ioredis';
import { groupCommitMetrics } from '../common/group-commit.metrics';

const limited = counter('gateway_rate_limited_total', 'Bank requests refused with 429, by participant', ['participant']);
const unavailable = counter('gateway_rate_limiter_unavailable_total', 'Requests let through because Redis did not answer');

/** How long the limiter waits for Redis before letting the request through. */
const REDIS_TIMEOUT_MS = 250;
const WARNING_INTERVAL_MS = 10_000;

/**
 * Token bucket (Redis, one hash per participant): refilled continuously at `rate` tokens/s up to `burst`,
 * one token per request. Redis's own clock is used, so every gateway replica shares one bucket.
 * Takes up to ARGV[3] tokens at once (the requests of a group, in order): as many as the bucket holds are allowed,
 * the rest refused, as if they had come one by one in that instant. Returns {allowed count, retry after in ms}.
 * Time is in milliseconds: Lua 5.1 prints numbers with 14 significant digits, enough for epoch milliseconds, not
 * microseconds.
 */
const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local allowed = math.max(0, math.min(wanted, math.floor(tokens)))
tokens = tokens - allowed
local retry = 0
if allowed < wanted then
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry}
`;

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

type RedisWithBucket = Redis & { nostroTokenBucket(key: string, rate: number, burst: number, wanted: number): Promise<[number, number]> };

/**
 * Per-participant rate limit (API.md: 5,000 requests/s by default). Applied after the signature is verified:
 * a limit keyed on an unverified keyid would let anyone drain another bank's bucket. When Redis does not
 * answer the request is let through and counted (`gateway_rate_limiter_unavailable_total`): Redis may lose
 * everything, and an outage of the limiter must not become an outage of payments.
 */
export class RateLimiter {
  private readonly redis: RedisWithBucket;
  private lastWarningAt = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly log: Logger,
  ) {
    redis.defineCommand('nostroTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.redis = redis as RedisWithBucket;
  }

  /**
   * Group commit: a participant's requests that arrive while its previous take is in flight take their tokens
   * together in the next call (one Redis round trip for many; issue "Performance"), in arrival order.
   */
  private readonly takes = new GroupCommit<string, null, RateDecision>(
    async (participant, items) => (await this.takeMany(participant, items.length)).map((ok) => ({ ok })),
    { observe: groupCommitMetrics('rate_limit') },
  );

  take(participant: string): Promise<RateDecision> {
    return this.takes.run(participant, null);
  }

  /** `count` tokens, one per request in order: the decisions, as many allowed as the bucket holds. */
  private async takeMany(participant: string, count: number): Promise<RateDecision[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), REDIS_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([this.redis.nostroTokenBucket(`${this.prefix}ratelimit:${participant}`, this.ratePerS, this.burst, count), timeout]);
      if (answer === null) return this.letThrough('timeout', count);
      const [allowed, retryAfterMs] = answer;
      if (allowed < count) limited.labels(participant).inc(count - allowed);
      return Array.from({ length: count }, (_, i) => (i < allowed ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs }));
    } catch (error) {
      return this.letThrough((error as Error).message, count);
    } finally {
      clearTimeout(timer);
    }
  }

  private letThrough(reason: string, count: number): RateDecision[] {
    unavailable.inc(count);
    if (Date.now() - this.lastWarningAt > WARNING_INTERVAL_MS) {
      this.lastWarningAt = Date.now();
      this.log.warn({ reason }, 'rate limiter unavailable; requests let through');
    }
    return Array.from({ length: count }, () => ({ allowed: true, retryAfterMs: 0 }));
  }
}
