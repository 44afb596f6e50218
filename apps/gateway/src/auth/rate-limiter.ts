import { Logger, counter } from '@nostro/platform';
import Redis from 'ioredis';

const limited = counter('gateway_rate_limited_total', 'Bank requests refused with 429, by participant', ['participant']);
const unavailable = counter('gateway_rate_limiter_unavailable_total', 'Requests let through because Redis did not answer');

/** How long the limiter waits for Redis before letting the request through. */
const REDIS_TIMEOUT_MS = 250;
const WARNING_INTERVAL_MS = 10_000;

/**
 * Token bucket (Redis, one hash per participant): refilled continuously at `rate` tokens/s up to `burst`,
 * one token per request. Redis's own clock is used, so every gateway replica shares one bucket.
 * Returns {allowed, retry after in ms}. Time is in milliseconds: Lua 5.1 prints numbers with 14 significant
 * digits, enough for epoch milliseconds, not microseconds.
 */
const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
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

type RedisWithBucket = Redis & { nostroTokenBucket(key: string, rate: number, burst: number): Promise<[number, number]> };

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

  async take(participant: string): Promise<RateDecision> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), REDIS_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([this.redis.nostroTokenBucket(`${this.prefix}ratelimit:${participant}`, this.ratePerS, this.burst), timeout]);
      if (answer === null) return this.letThrough('timeout');
      const [allowed, retryAfterMs] = answer;
      if (allowed !== 1) limited.labels(participant).inc();
      return { allowed: allowed === 1, retryAfterMs };
    } catch (error) {
      return this.letThrough((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private letThrough(reason: string): RateDecision {
    unavailable.inc();
    if (Date.now() - this.lastWarningAt > WARNING_INTERVAL_MS) {
      this.lastWarningAt = Date.now();
      this.log.warn({ reason }, 'rate limiter unavailable; requests let through');
    }
    return { allowed: true, retryAfterMs: 0 };
  }
}
