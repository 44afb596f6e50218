import { SignedQuote } from '@nostro/shared';
import Redis from 'ioredis';

/** How long a quote stays readable in Redis after it expired (Postgres keeps it for ever). */
const AFTER_EXPIRY_MS = 10 * 60_000;

/**
 * Redis fast path: the quote body and a single-use marker. Redis may lose everything, and what it returns is not
 * trusted (the service checks every quote's signature); Postgres decides whether a quote was used.
 */
export class QuoteCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}quote:${id}`;
  }

  async putMany(quotes: readonly SignedQuote[], ttlMs: number): Promise<void> {
    if (quotes.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const quote of quotes) pipeline.set(this.key(quote.id), JSON.stringify(quote), 'PX', ttlMs + AFTER_EXPIRY_MS);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async get(id: string): Promise<unknown> {
    const text = await this.redis.get(this.key(id));
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Claims the quote for `uetr`: true when free or already claimed by the same uetr. */
  async claim(id: string, uetr: string, ttlMs: number): Promise<boolean> {
    const key = `${this.key(id)}:used`;
    const set = await this.redis.set(key, uetr, 'PX', ttlMs + AFTER_EXPIRY_MS, 'NX');
    if (set === 'OK') return true;
    return (await this.redis.get(key)) === uetr;
  }

  /** Drops `uetr`'s claim when its use could not be recorded, so the quote is not blocked by a use that never happened. */
  async unclaim(id: string, uetr: string): Promise<void> {
    const key = `${this.key(id)}:used`;
    await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, uetr);
  }
}
