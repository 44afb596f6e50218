import { SignedQuote } from '@nostro/shared';
import Redis from 'ioredis';

/** How long a quote stays readable in Redis after it expired (Postgres keeps it for ever). */
const AFTER_EXPIRY_MS = 10 * 60_000;

/** Redis fast path: the quote body and a single-use marker. Redis may lose everything; Postgres decides. */
export class QuoteCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}quote:${id}`;
  }

  async put(quote: SignedQuote, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(quote.id), JSON.stringify(quote), 'PX', ttlMs + AFTER_EXPIRY_MS);
  }

  async get(id: string): Promise<SignedQuote | null> {
    const text = await this.redis.get(this.key(id));
    return text ? (JSON.parse(text) as SignedQuote) : null;
  }

  /** Claims the quote for `uetr`: true when free or already claimed by the same uetr. */
  async claim(id: string, uetr: string, ttlMs: number): Promise<boolean> {
    const key = `${this.key(id)}:used`;
    const set = await this.redis.set(key, uetr, 'PX', ttlMs + AFTER_EXPIRY_MS, 'NX');
    if (set === 'OK') return true;
    return (await this.redis.get(key)) === uetr;
  }
}
