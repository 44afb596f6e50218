import { Logger, mapOrderedByKey, withTransaction } from '@nostro/platform';
import {
  Corridor,
  CorridorTable,
  PricingRangeError,
  QuoteFigures,
  QuoteRequest,
  SignedQuote,
  UnsignedQuote,
  allocateLiquidity,
  asCurrency,
  availableMinor,
  checkSendAmount,
  formatAmount,
  parseAmount,
  priceOnCorridor,
  signQuotes,
  signedQuoteSchema,
  verifyQuote,
} from '@nostro/shared-node';
import { randomBytes } from 'node:crypto';
import { IssuedQuotes } from './issued-quotes';
import { DeskSnapshot } from './ledger.client';
import { LiquidityService } from './liquidity.service';
import { QuoteCache } from './quote.cache';
import { QuoteError } from './quote.errors';
import { quoteMetrics } from './quote.metrics';
import { NewQuote, QuoteRepository, useKey } from './quote.repository';
import { RatesProvider } from './rates.provider';

/** Largest batch of quote requests (API.md `POST /v1/quotes/batch`). */
export const QUOTE_BATCH_MAX = 1_000;
/** Quotes of one consume batch checked at once (each is a Redis claim and a Postgres row update). */
const CONSUME_CONCURRENCY = 16;
/** Attempts at reserving liquidity: one on the background desk snapshot, then on fresh reads. */
const RESERVE_ATTEMPTS_MAX = 3;

/**
 * Largest group of quotes in one target currency reserved in one statement. Its insertions hold the currency's
 * position row until the statement commits; larger batches write first and lock last, in a transaction.
 */
const ONE_STATEMENT_GROUP_MAX = 32;

/** Thrown inside a reservation's transaction to roll it back and try again on a fresh read of the desk. */
class ReadAgain extends Error {}

export interface QuoteServiceOptions {
  quoteTtlMs: number;
  currencies: readonly string[];
  /** 32-byte Ed25519 seed the quotes are signed with. */
  signingSeed: Uint8Array;
  /** The matching public key: every stored quote read back is checked against it. */
  publicKey: Uint8Array;
}

interface Priced {
  unsigned: Omit<UnsignedQuote, 'id' | 'participant' | 'createdAt' | 'expiresAt'>;
  receiveMinor: bigint;
}

type Outcome<T> = T | QuoteError;

interface PendingReservation {
  quote: NewQuote;
  resolve(granted: boolean): void;
  reject(error: unknown): void;
}

/** Prices, signs, reserves, stores and consumes quotes. */
/** What the paying message says of its quote (pacs.008: IntrBkSttlmAmt and CdtrAgt). */
export interface QuoteExpectation {
  sendAmount: string;
  sourceCurrency: string;
  creditorParticipant: string;
}

export interface ConsumeItem {
  quoteId: string;
  uetr: string;
  expect?: QuoteExpectation;
}

/** One bank's part of a call made for several banks at once: its quote requests, or the quotes its payments use. */
export interface QuoteGroup<T> {
  participant: string;
  requests: readonly T[];
}

export class QuoteService {
  private readonly enabled: Set<string>;
  /** Single quotes waiting for the reservation in flight to finish: they are stored together next (group commit). */
  private pending: PendingReservation[] = [];
  private flushing = false;
  /** Quotes this process issued: consumed without a Redis read or a signature check. */
  private readonly issued = new IssuedQuotes();

  constructor(
    private readonly options: QuoteServiceOptions,
    private readonly rates: RatesProvider,
    private readonly corridors: CorridorTable,
    private readonly repo: QuoteRepository,
    private readonly cache: QuoteCache,
    private readonly liquidity: LiquidityService,
    private readonly log: Logger,
  ) {
    this.enabled = new Set(options.currencies);
  }

  private refusal(code: QuoteError['code'], message: string, field?: string): QuoteError {
    quoteMetrics.refused.labels(code).inc();
    return new QuoteError(code, message, field);
  }

  private refuse(code: QuoteError['code'], message: string): never {
    throw this.refusal(code, message);
  }

  private corridor(source: string, target: string): Corridor {
    const corridor = this.enabled.has(source) && this.enabled.has(target) ? this.corridors.available(source, target) : undefined;
    if (!corridor) throw this.refusal('corridor_unavailable', `no enabled corridor ${source} → ${target}`);
    return corridor;
  }

  /** Prices one request: corridor, reference rate (never a stale one), API.md arithmetic, the corridor's bounds. */
  private price(request: QuoteRequest, now: number): Priced {
    const corridor = this.corridor(request.sourceCurrency, request.targetCurrency);
    const { sourceCurrency: src, targetCurrency: dst } = corridor;
    let mid: string | null;
    try {
      mid = this.rates.midRate(src, dst, now);
    } catch (error) {
      if (error instanceof QuoteError) throw this.refusal(error.code, error.message);
      throw error;
    }
    if (mid === null) throw this.refusal('corridor_unavailable', `no reference rate for ${src} → ${dst}`);
    const field = request.sendAmount !== undefined ? 'sendAmount' : 'receiveAmount';
    const target =
      request.sendAmount !== undefined ? { sendMinor: parseAmount(request.sendAmount, src) } : { receiveMinor: parseAmount(request.receiveAmount, dst) };
    let figures: QuoteFigures;
    let sendMinor: bigint;
    let receiveMinor: bigint;
    try {
      const result = priceOnCorridor(corridor, mid, target);
      ({ figures } = result);
      ({ sendMinor, receiveMinor } = result.priced);
    } catch (error) {
      if (error instanceof PricingRangeError) throw this.refusal('amount_out_of_range', `${field} is far above any corridor maximum`, field);
      throw error;
    }
    const bounds = checkSendAmount(corridor, sendMinor);
    if (bounds !== 'ok') {
      const [word, limit] = bounds === 'below_minimum' ? ['below the minimum', corridor.minSendMinor] : ['above the maximum', corridor.maxSendMinor];
      throw this.refusal(
        'amount_out_of_range',
        `send amount ${formatAmount(sendMinor, src)} ${src} is ${word} of ${formatAmount(limit, src)} ${src} for ${src} → ${dst}`,
        field,
      );
    }
    if (receiveMinor <= 0n) throw this.refusal('amount_out_of_range', 'the amount is too small to deliver one minor unit', field);
    return { unsigned: { ...figures, creditorParticipant: request.creditorParticipant }, receiveMinor };
  }

  private unsigned(participant: string, priced: Priced, now: number): { quote: UnsignedQuote; reservedMinor: bigint } {
    const quote: UnsignedQuote = {
      id: `q_${randomBytes(16).toString('base64url')}`,
      participant,
      ...priced.unsigned,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.options.quoteTtlMs).toISOString(),
    };
    return { quote, reservedMinor: priced.receiveMinor };
  }

  /**
   * Signs the priced quotes of one call together, in groups of up to 8: one Ed25519 signature over the Merkle root of
   * a group's texts, each quote with its audit path (a lone quote is signed alone). Settlement verifies each group's
   * signature once.
   */
  private signAll(priced: readonly { quote: UnsignedQuote; reservedMinor: bigint }[]): NewQuote[] {
    const signed = signQuotes(
      priced.map((p) => p.quote),
      this.options.signingSeed,
    );
    return signed.map((quote, i) => ({ quote, reservedMinor: priced[i].reservedMinor }));
  }

  async create(participant: string, request: QuoteRequest, now = Date.now()): Promise<SignedQuote> {
    const [result] = await this.createMany(participant, [request], now);
    if (result instanceof QuoteError) throw result;
    return result;
  }

  /**
   * Quotes a batch in order: one signed quote or one refusal per request. Accepted quotes are stored and reserve
   * FXDESK liquidity together, in one Postgres transaction; then they are cached in Redis.
   */
  async createMany(participant: string, requests: readonly QuoteRequest[], now = Date.now()): Promise<Outcome<SignedQuote>[]> {
    const [results] = await this.createGroups([{ participant, requests }], now);
    return results;
  }

  /**
   * {@link createMany} for several banks at once (the gateway's single quote requests of every bank, grouped): each
   * group is priced and signed as its bank's own batch, and every group's accepted quotes reserve FXDESK liquidity
   * together, in request order, in one transaction. One result list per group, in order.
   */
  async createGroups(groups: readonly QuoteGroup<QuoteRequest>[], now = Date.now()): Promise<Outcome<SignedQuote>[][]> {
    const total = groups.reduce((n, g) => n + g.requests.length, 0);
    if (total > QUOTE_BATCH_MAX) throw new RangeError(`at most ${QUOTE_BATCH_MAX} quotes per batch`);
    const perGroup = groups.map(({ participant, requests }) => {
      const priced = requests.map((request) => {
        try {
          return this.unsigned(participant, this.price(request, now), now);
        } catch (error) {
          if (error instanceof QuoteError) return error;
          throw error;
        }
      });
      // Signed per bank: a quote's audit path never holds the hash of another bank's quote.
      const signed = this.signAll(priced.filter((p): p is { quote: UnsignedQuote; reservedMinor: bigint } => !(p instanceof QuoteError)));
      let next = 0;
      return priced.map((p): Outcome<NewQuote> => (p instanceof QuoteError ? p : signed[next++]));
    });
    const results = perGroup.flat();
    const candidates = results.filter((r): r is NewQuote => !(r instanceof QuoteError));
    const granted = candidates.length === 1 ? [await this.reserveGrouped(candidates[0])] : await this.reserve(candidates);
    const refusedLiquidity = new Set(candidates.filter((_, i) => !granted[i]).map((q) => q.quote.id));
    const stored = candidates.filter((_, i) => granted[i]).map((q) => q.quote);
    this.issued.add(stored);
    await this.cache
      .putMany(stored, this.options.quoteTtlMs)
      .catch((error: unknown) => this.log.warn({ err: error }, 'redis put failed; Postgres serves these quotes'));
    quoteMetrics.issued.inc(stored.length);
    return perGroup.map((group) =>
      group.map((r) => {
        if (r instanceof QuoteError) return r;
        if (!refusedLiquidity.has(r.quote.id)) return r.quote;
        const dst = asCurrency(r.quote.targetCurrency);
        return this.refusal('insufficient_liquidity', `FXDESK cannot deliver ${formatAmount(r.reservedMinor, dst)} ${dst} now`);
      }),
    );
  }

  /**
   * Group commit for single quotes: while one reservation is in flight, the quotes that arrive meanwhile wait and are
   * then reserved together, in arrival order, in one transaction. Under load this turns many short holds on a
   * currency's position row (each ending in a commit) into few; alone, a quote goes straight through.
   */
  private reserveGrouped(quote: NewQuote): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ quote, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, QUOTE_BATCH_MAX);
        try {
          const granted = await this.reserve(group.map((p) => p.quote));
          group.forEach((p, i) => p.resolve(granted[i]));
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Stores the quotes that FXDESK's available balance covers, in request order; returns which were stored. The
   * quotes are written first and the currencies' positions locked last, for the check, the update and the commit
   * only: the position row is what every concurrent batch, single-quote group and release waits for (a batch of 500
   * held it for the whole insertion, and concurrent batches queued behind it). Quotes the positions cannot cover
   * are removed again in the same transaction; a stale ledger view rolls it all back and reads again.
   */
  private async reserve(quotes: readonly NewQuote[]): Promise<boolean[]> {
    if (quotes.length === 0) return [];
    if (quotes.length === 1) return [await this.reserveOne(quotes[0])];
    const currencies = [...new Set(quotes.map((q) => q.quote.targetCurrency))].sort();
    let first = 0;
    if (currencies.length === 1 && quotes.length <= ONE_STATEMENT_GROUP_MAX) {
      // A small group in one currency (single quotes grouped under load): one statement when all of it fits on the
      // background view of the desk, instead of a transaction of five; otherwise the allocation below, on a fresh read.
      const desk = await this.liquidity.desk(false);
      const limit = desk ? limitOf(desk, currencies[0]) : null;
      if (await this.repo.insertHeldWithin(quotes, limit, desk?.height ?? Number.MAX_SAFE_INTEGER)) return quotes.map(() => true);
      first = 1;
    }
    for (let attempt = first; attempt < RESERVE_ATTEMPTS_MAX; attempt++) {
      const desk = await this.liquidity.desk(attempt > 0);
      const granted = await withTransaction(this.repo.pool, async (tx) => {
        await this.repo.insertQuotes(tx, quotes);
        const positions = await this.repo.lockPositions(tx, currencies);
        // A reservation was released against a newer ledger view than ours: ours would count that payment twice.
        if (desk && currencies.some((c) => (positions.get(c)?.releasedHeight ?? 0) > desk.height)) throw new ReadAgain();
        const headroom = new Map(currencies.map((c) => [c, headroomOf(desk, c, positions.get(c)?.reservedMinor ?? 0n)]));
        const decision = allocateLiquidity(
          quotes.map((q) => ({ currency: q.quote.targetCurrency, amountMinor: q.reservedMinor })),
          headroom,
        );
        if (desk && decision.includes(false) && attempt === 0) throw new ReadAgain(); // refuse only on a fresh read
        await this.repo.dropUnreserved(
          tx,
          quotes.filter((_, i) => !decision[i]).map((q) => q.quote.id),
        );
        await this.repo.addHeld(
          tx,
          quotes.filter((_, i) => decision[i]),
        );
        return decision;
      }).catch((error: unknown) => {
        if (error instanceof ReadAgain) return null;
        throw error;
      });
      if (granted) return granted;
    }
    throw this.refusal('ledger_unavailable', 'FXDESK balances keep moving ahead of this reader; retry');
  }

  /** The single-quote path: one statement per attempt; a refusal is only final on a fresh read of the desk. */
  private async reserveOne(quote: NewQuote): Promise<boolean> {
    const currency = quote.quote.targetCurrency;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS_MAX; attempt++) {
      const desk = await this.liquidity.desk(attempt > 0);
      const limit = desk ? limitOf(desk, currency) : null;
      if (await this.repo.insertHeldWithin([quote], limit, desk?.height ?? Number.MAX_SAFE_INTEGER)) return true;
      if (!desk) throw new Error(`no liquidity position for ${currency}`);
      const position = (await this.repo.positions()).get(currency);
      if (attempt > 0 && (position?.releasedHeight ?? 0) <= desk.height) return false;
    }
    throw this.refusal('ledger_unavailable', 'FXDESK balances keep moving ahead of this reader; retry');
  }

  /**
   * A quote this process issued (from its memory), or a stored one checked against its signature: a copy in Redis
   * that fails is ignored, one in Postgres refused. Whether it was used is decided later (Redis claim, Postgres).
   */
  private async find(id: string): Promise<{ quote: SignedQuote; usedBy: string | null } | null> {
    const own = this.issued.get(id);
    if (own !== undefined) return { quote: own, usedBy: null };
    const cached = await this.cache.get(id).catch(() => null);
    if (cached !== null) {
      const parsed = signedQuoteSchema.safeParse(cached);
      if (parsed.success && parsed.data.id === id && verifyQuote(parsed.data, this.options.publicKey)) return { quote: parsed.data, usedBy: null };
      quoteMetrics.tampered.labels('redis').inc();
      this.log.error({ quoteId: id }, 'the Redis copy of a quote does not match its signature; reading Postgres');
    }
    const stored = await this.repo.find(id);
    if (!stored) return null;
    if (!verifyQuote(stored.quote, this.options.publicKey) || stored.quote.id !== id) {
      quoteMetrics.tampered.labels('postgres').inc();
      this.log.error({ quoteId: id }, 'the stored quote does not match its signature');
      this.refuse('quote_invalid', 'the stored quote does not match its signature');
    }
    return stored;
  }

  async get(participant: string, id: string): Promise<SignedQuote> {
    const found = await this.find(id);
    if (!found || found.quote.participant !== participant) this.refuse('quote_not_found', 'no such quote');
    return found.quote;
  }

  /**
   * Uses many quotes in one call (the gateway's payment batches), each exactly as {@link consume} would: items naming
   * the same quote are checked and claimed in order (the first one gets it), others alongside, and the uses are
   * then recorded in Postgres together (one statement, one commit, instead of one per quote). A refusal is that
   * item's result; anything else (Postgres down) fails the whole call, which the caller retries with the same uetrs.
   */
  async consumeMany(participant: string, items: readonly ConsumeItem[], now = Date.now()): Promise<(SignedQuote | QuoteError)[]> {
    const [results] = await this.consumeGroups([{ participant, requests: items }], now);
    return results;
  }

  /**
   * {@link consumeMany} for several banks at once (the gateway's single payments of every bank, grouped): each item
   * is checked against its own bank, and every group's uses are recorded in one statement. One result list per group.
   */
  async consumeGroups(groups: readonly QuoteGroup<ConsumeItem>[], now = Date.now()): Promise<(SignedQuote | QuoteError)[][]> {
    const items = groups.flatMap(({ participant, requests }) => requests.map((item) => ({ ...item, participant })));
    if (items.length > QUOTE_BATCH_MAX) throw new RangeError(`at most ${QUOTE_BATCH_MAX} quotes per batch`);
    const claimed = await mapOrderedByKey(
      items,
      (item) => item.quoteId,
      CONSUME_CONCURRENCY,
      (item) => this.settled(() => this.claim(item.participant, item.quoteId, item.uetr, now, item.expect)),
    );
    const pending = items.filter((_, i) => claimed[i] instanceof Claim);
    const uses = await this.recordUses(
      pending.map((item) => ({ id: item.quoteId, uetr: item.uetr })),
      now,
    );
    const used = await mapOrderedByKey(
      items,
      (item) => item.quoteId,
      CONSUME_CONCURRENCY,
      async (item, i) => {
        const step = claimed[i];
        if (!(step instanceof Claim)) return step;
        return this.settled(() => this.afterUse(step, uses.get(useKey(item.quoteId, item.uetr)) ?? 'refused'));
      },
    );
    let next = 0;
    return groups.map(({ requests }) => used.slice(next, (next += requests.length)));
  }

  /**
   * Uses the quote for payment `uetr`, at most once: Redis claims it fast, Postgres records it authoritatively, so a
   * Redis that lost its data cannot let a quote pay twice. Idempotent for the same uetr. A quote is usable up to and
   * including the millisecond of its `expiresAt`.
   */
  async consume(participant: string, id: string, uetr: string, now = Date.now(), expect?: QuoteExpectation): Promise<SignedQuote> {
    const step = await this.claim(participant, id, uetr, now, expect);
    if (!(step instanceof Claim)) return step;
    const uses = await this.recordUses([{ id, uetr }], now);
    return this.afterUse(step, uses.get(useKey(id, uetr)) ?? 'refused');
  }

  /** Checks the quote and claims it in Redis for `uetr`: the quote itself when it needs no new use, else a claim. */
  private async claim(participant: string, id: string, uetr: string, now: number, expect?: QuoteExpectation): Promise<SignedQuote | Claim> {
    const found = await this.find(id);
    if (!found || found.quote.participant !== participant) this.refuse('quote_not_found', 'no such quote');
    const { quote } = found;
    if (expect) this.checkExpectation(quote, expect);
    if (found.usedBy && found.usedBy !== uetr) this.refuse('quote_already_used', 'the quote was used by another payment');
    if (now > Date.parse(quote.expiresAt)) {
      // A retry by the payment that used it in time stays idempotent; anyone else is refused.
      const usedBy = (await this.repo.find(id))?.usedBy;
      if (usedBy === uetr) return quote;
      if (usedBy) this.refuse('quote_already_used', 'the quote was used by another payment');
      this.refuse('quote_expired', `the quote expired at ${quote.expiresAt}`);
    }
    const claimed = await this.cache.claim(id, uetr, this.options.quoteTtlMs).catch(() => true);
    if (!claimed) this.refuse('quote_already_used', 'the quote was used by another payment');
    return new Claim(id, uetr, quote);
  }

  /** What a pacs.008 transaction says of its quote must be the quote: the amount exactly, in its currency, to its creditor. */
  private checkExpectation(quote: SignedQuote, expect: QuoteExpectation): void {
    if (expect.creditorParticipant !== quote.creditorParticipant) {
      this.refuse('creditor_mismatch', `the quote pays ${quote.creditorParticipant}, not ${expect.creditorParticipant}`);
    }
    const currency = asCurrency(quote.sourceCurrency);
    let sent: bigint | null = null;
    try {
      sent = expect.sourceCurrency === quote.sourceCurrency ? parseAmount(expect.sendAmount, currency) : null;
    } catch {
      sent = null;
    }
    if (sent === null || sent !== parseAmount(quote.sendAmount, currency)) {
      this.refuse('amount_mismatch', `the quote sends ${quote.sendAmount} ${quote.sourceCurrency}, not ${expect.sendAmount} ${expect.sourceCurrency}`);
    }
  }

  /** Records the uses in Postgres (authoritative); on failure drops the Redis claims, so no quote stays blocked. */
  private async recordUses(uses: readonly { id: string; uetr: string }[], now: number): Promise<Map<string, 'first' | 'again'>> {
    try {
      return await this.repo.markUsedMany(uses, new Date(now));
    } catch (error) {
      await Promise.all(uses.map((u) => this.cache.unclaim(u.id, u.uetr).catch(() => undefined)));
      throw error;
    }
  }

  /** The quote once its use is recorded; a use Postgres refused drops the claim and says why. */
  private async afterUse(claim: Claim, use: 'first' | 'again' | 'refused'): Promise<SignedQuote> {
    if (use === 'first') quoteMetrics.used.inc();
    if (use !== 'refused') return claim.quote;
    await this.cache.unclaim(claim.id, claim.uetr).catch(() => undefined);
    const row = await this.repo.find(claim.id);
    if (row?.usedBy && row.usedBy !== claim.uetr) this.refuse('quote_already_used', 'the quote was used by another payment');
    return this.refuse('quote_expired', `the quote expired at ${claim.quote.expiresAt}`);
  }

  /** The step's value, or its refusal as a value (one item of a batch), rethrowing anything else. */
  private async settled<T>(step: () => Promise<T>): Promise<T | QuoteError> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof QuoteError) return error;
      throw error;
    }
  }
}

/** A quote claimed in Redis for a payment, whose use Postgres has yet to record. */
class Claim {
  constructor(
    readonly id: string,
    readonly uetr: string,
    readonly quote: SignedQuote,
  ) {}
}

/** What reservations in `currency` may add up to: balance plus net debit cap (null = unbounded); no account, nothing. */
function limitOf(desk: DeskSnapshot, currency: string): bigint | null {
  const account = desk.balances.get(currency);
  if (!account) return 0n;
  return account.netDebitCapMinor === null ? null : account.balanceMinor + account.netDebitCapMinor;
}

function headroomOf(desk: DeskSnapshot | null, currency: string, reservedMinor: bigint): bigint | null {
  if (!desk) return null;
  const available = availableMinor(desk.balances.get(currency), reservedMinor);
  return available === null ? null : available > 0n ? available : 0n;
}
