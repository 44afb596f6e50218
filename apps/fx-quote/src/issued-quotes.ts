import { SignedQuote } from '@nostro/shared';

/** How long after its expiry an issued quote stays in memory (a late retry of its payment still finds it). */
const KEEP_AFTER_EXPIRY_MS = 60_000;

/**
 * The quotes this process signed and stored, kept in its own memory until shortly after they expire. Reading one
 * back needs neither Redis nor a signature check: the process's memory is as trusted as the signing key it holds,
 * whereas a copy read from Redis or Postgres must be verified. Another replica, or this one after a restart, does not
 * have them and takes the verified path. Bounded: past `max` quotes the oldest are dropped first.
 */
export class IssuedQuotes {
  private readonly byId = new Map<string, { quote: SignedQuote; dropAt: number }>();

  constructor(private readonly max = 50_000) {}

  get size(): number {
    return this.byId.size;
  }

  /** Remembers freshly stored quotes; forgets the ones whose time has passed (insertion order is issue order). */
  add(quotes: readonly SignedQuote[], now = Date.now()): void {
    for (const [id, entry] of this.byId) {
      if (entry.dropAt > now && this.byId.size + quotes.length <= this.max) break;
      this.byId.delete(id);
    }
    for (const quote of quotes.slice(-this.max)) this.byId.set(quote.id, { quote, dropAt: Date.parse(quote.expiresAt) + KEEP_AFTER_EXPIRY_MS });
  }

  /** The quote if this process issued it and still holds it, else undefined. */
  get(id: string, now = Date.now()): SignedQuote | undefined {
    const entry = this.byId.get(id);
    if (entry === undefined) return undefined;
    if (entry.dropAt <= now) {
      this.byId.delete(id);
      return undefined;
    }
    return entry.quote;
  }
}
