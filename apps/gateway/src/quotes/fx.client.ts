import { quotesError } from './quotes.errors';
import { JsonHttpClient, ProblemError, mapLimited, mapOrderedByKey, problemBody } from '@nostro/platform';
import { QuoteRequest, SignedQuote } from '@nostro/shared';

const TIMEOUT_MS = 5_000;
const BATCH_TIMEOUT_MS = 60_000;
/** Quotes asked of fx-quote at once when its batch endpoint is not available. */
const FALLBACK_CONCURRENCY = 8;

/** One result of a quote batch: the quote, or the problem that refused that item. */
export type QuoteBatchResult = SignedQuote | { problem: ReturnType<typeof problemBody> };

/** What a pacs.008 transaction says of its quote; fx-quote refuses the use (amount_mismatch, creditor_mismatch) when it differs. */
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

/** HTTP client of the internal fx-quote API; its problems are passed through to the bank unchanged. */
export class FxClient {
  private readonly http: JsonHttpClient;

  constructor(baseUrl: string) {
    this.http = new JsonHttpClient(baseUrl);
  }

  /** Closes the kept-alive connections to fx-quote (at shutdown). */
  close(): void {
    this.http.close();
  }

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<T> {
    let reply: { status: number; body: unknown };
    try {
      reply = await this.http.request(method, path, body, timeoutMs);
    } catch {
      throw quotesError('service_unavailable', 'the FX service did not answer; retry later', undefined, { 'retry-after': '1' });
    }
    const json = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as Record<string, unknown>;
    if (reply.status >= 200 && reply.status < 300) return json as T;
    if (reply.status >= 500) throw quotesError('service_unavailable', 'the FX service failed; retry later', undefined, { 'retry-after': '1' });
    throw new ProblemError(reply.status, String(json.code ?? 'bad_request'), String(json.title ?? 'Error'), String(json.detail ?? ''), json.errors as never);
  }

  createQuote(participant: string, request: QuoteRequest): Promise<SignedQuote> {
    return this.call('POST', '/v1/fx/quotes', { participant, request });
  }

  /**
   * Many quotes in one call (`POST /v1/fx/quotes/batch { participant, requests }` → `{ results }`, one quote or
   * `{ problem }` per request, in order). Falls back to one call per quote while fx-quote has no batch endpoint.
   */
  async createQuotes(participant: string, requests: QuoteRequest[]): Promise<QuoteBatchResult[]> {
    try {
      const { results } = await this.call<{ results: QuoteBatchResult[] }>('POST', '/v1/fx/quotes/batch', { participant, requests }, BATCH_TIMEOUT_MS);
      if (Array.isArray(results) && results.length === requests.length) return results;
    } catch (error) {
      if (!(error instanceof ProblemError) || (error.status !== 404 && error.status !== 405)) throw error;
    }
    return mapLimited(requests, FALLBACK_CONCURRENCY, async (request) => {
      try {
        return await this.createQuote(participant, request);
      } catch (error) {
        if (error instanceof ProblemError && error.status < 500) return { problem: problemBody(error) };
        throw error;
      }
    });
  }

  /** The quote without using it (to check limits against its amounts first). */
  getQuote(participant: string, quoteId: string): Promise<SignedQuote> {
    return this.call('GET', `/v1/fx/quotes/${encodeURIComponent(participant)}/${encodeURIComponent(quoteId)}`);
  }

  consumeQuote(participant: string, quoteId: string, uetr: string, expect?: QuoteExpectation): Promise<SignedQuote> {
    return this.call('POST', `/v1/fx/quotes/${encodeURIComponent(quoteId)}/consume`, { participant, uetr, ...(expect ? { expect } : {}) });
  }

  /**
   * Uses many quotes in one call (`POST /v1/fx/quotes/consume { participant, items }` → one quote or `{ problem }`
   * per item, in order; items naming the same quote are taken in order). Falls back to one call per quote, in the
   * same order, while fx-quote has no batch endpoint (a rolling upgrade).
   */
  async consumeQuotes(participant: string, items: readonly ConsumeItem[]): Promise<QuoteBatchResult[]> {
    if (items.length === 0) return [];
    try {
      const { results } = await this.call<{ results: QuoteBatchResult[] }>('POST', '/v1/fx/quotes/consume', { participant, items }, BATCH_TIMEOUT_MS);
      if (Array.isArray(results) && results.length === items.length) return results;
    } catch (error) {
      if (!(error instanceof ProblemError) || (error.status !== 404 && error.status !== 405)) throw error;
    }
    return mapOrderedByKey(
      items,
      (item) => item.quoteId,
      FALLBACK_CONCURRENCY,
      async (item) => {
        try {
          return await this.consumeQuote(participant, item.quoteId, item.uetr, item.expect);
        } catch (error) {
          if (error instanceof ProblemError && error.status < 500) return { problem: problemBody(error) };
          throw error;
        }
      },
    );
  }
}
