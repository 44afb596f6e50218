import { Logger, counter } from '@nostro/platform';
import {
  CorridorPricing,
  QuoteRequest,
  SignedQuote,
  asCurrency,
  formatAmount,
  parseAmount,
  priceQuote,
  signQuote,
} from '@nostro/shared';
import { randomBytes } from 'node:crypto';
import { FxConfig } from './config';
import { QuoteCache } from './quote.cache';
import { QuoteError } from './quote.errors';
import { QuoteRepository } from './quote.repository';
import { RatesProvider } from './rates.provider';

const issued = counter('fx_quotes_issued_total', 'Quotes issued');
const used = counter('fx_quotes_used_total', 'Quotes used by a payment');
const refused = counter('fx_quotes_refused_total', 'Quote requests or uses refused, by reason', ['reason']);

function parseFixedFees(spec: string): Map<string, bigint> {
  const fees = new Map<string, bigint>();
  for (const item of spec.split(',').filter((s) => s.trim() !== '')) {
    const [currency, amount] = item.split('=').map((s) => s.trim());
    fees.set(currency, parseAmount(amount, asCurrency(currency)));
  }
  return fees;
}

/** Prices, signs, stores and consumes quotes. */
export class QuoteService {
  private readonly fixedFees: Map<string, bigint>;
  private readonly seed: Buffer;
  private readonly enabled: Set<string>;

  constructor(
    private readonly config: FxConfig,
    private readonly rates: RatesProvider,
    private readonly repo: QuoteRepository,
    private readonly cache: QuoteCache,
    private readonly log: Logger,
  ) {
    this.fixedFees = parseFixedFees(config.FX_FIXED_FEES);
    this.seed = Buffer.from(config.signingSeed, 'base64url');
    this.enabled = new Set(config.CURRENCIES);
  }

  private refuse(code: QuoteError['code'], message: string): never {
    refused.labels(code).inc();
    throw new QuoteError(code, message);
  }

  private pricing(source: string, target: string): CorridorPricing {
    const mid = this.enabled.has(source) && this.enabled.has(target) ? this.rates.midRate(source, target) : null;
    if (!mid) this.refuse('corridor_unavailable', `no enabled corridor ${source} → ${target}`);
    return {
      sourceCurrency: asCurrency(source),
      targetCurrency: asCurrency(target),
      midRate: mid,
      spreadBps: source === target ? 0 : this.config.FX_SPREAD_BPS,
      fixedFeeMinor: this.fixedFees.get(source) ?? 0n,
      percentFeeBps: this.config.FX_PERCENT_FEE_BPS,
    };
  }

  async create(participant: string, request: QuoteRequest, now = Date.now()): Promise<SignedQuote> {
    const pricing = this.pricing(request.sourceCurrency, request.targetCurrency);
    const target =
      request.sendAmount !== undefined
        ? { sendMinor: parseAmount(request.sendAmount, pricing.sourceCurrency) }
        : { receiveMinor: parseAmount(request.receiveAmount, pricing.targetCurrency) };
    const priced = priceQuote(pricing, target);
    const maxSend = parseAmount(String(this.config.FX_MAX_SEND_MAJOR), pricing.sourceCurrency);
    if (priced.sendMinor > maxSend) this.refuse('amount_out_of_range', `send amount above ${this.config.FX_MAX_SEND_MAJOR} ${pricing.sourceCurrency}`);
    if (priced.receiveMinor <= 0n || priced.sendMinor <= 0n) this.refuse('amount_out_of_range', 'amount too small to deliver one minor unit');
    const src = pricing.sourceCurrency;
    const quote = signQuote(
      {
        id: `q_${randomBytes(16).toString('base64url')}`,
        participant,
        creditorParticipant: request.creditorParticipant,
        sourceCurrency: src,
        targetCurrency: pricing.targetCurrency,
        midRate: priced.midRate,
        rate: priced.rate,
        markupBps: priced.markupBps,
        sendAmount: formatAmount(priced.sendMinor, src),
        receiveAmount: formatAmount(priced.receiveMinor, pricing.targetCurrency),
        fees: priced.fees.map((fee) => ({ type: fee.type, amount: formatAmount(fee.minor, src), currency: src })),
        totalDebit: formatAmount(priced.totalDebitMinor, src),
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.config.QUOTE_TTL_MS).toISOString(),
      },
      this.seed,
    );
    await this.repo.insert(quote);
    await this.cache.put(quote, this.config.QUOTE_TTL_MS).catch((error: unknown) => this.log.warn({ err: error }, 'redis put failed'));
    issued.inc();
    return quote;
  }

  private async find(id: string): Promise<{ quote: SignedQuote; usedBy: string | null } | null> {
    const cached = await this.cache.get(id).catch(() => null);
    return cached ? { quote: cached, usedBy: null } : this.repo.find(id);
  }

  async get(participant: string, id: string): Promise<SignedQuote> {
    const found = await this.find(id);
    if (!found || found.quote.participant !== participant) this.refuse('quote_not_found', 'no such quote');
    return found.quote;
  }

  /**
   * Uses the quote for payment `uetr`, at most once: Redis claims it fast, Postgres records it authoritatively
   * (a Redis that lost its data cannot let a quote pay twice). Idempotent for the same uetr.
   */
  async consume(participant: string, id: string, uetr: string, now = Date.now()): Promise<SignedQuote> {
    const found = await this.find(id);
    if (!found || found.quote.participant !== participant) this.refuse('quote_not_found', 'no such quote');
    const { quote } = found;
    if (found.usedBy && found.usedBy !== uetr) this.refuse('quote_already_used', 'the quote was used by another payment');
    if (now > Date.parse(quote.expiresAt)) {
      // A retry by the payment that used it in time stays idempotent; anyone else is refused.
      if ((await this.repo.find(id))?.usedBy === uetr) return quote;
      this.refuse('quote_expired', `the quote expired at ${quote.expiresAt}`);
    }
    const claimed = await this.cache.claim(id, uetr, this.config.QUOTE_TTL_MS).catch(() => true);
    if (!claimed || !(await this.repo.markUsed(id, uetr))) this.refuse('quote_already_used', 'the quote was used by another payment');
    used.inc();
    return quote;
  }
}
