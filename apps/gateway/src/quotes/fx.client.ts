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

/** One bank's part of a call made for several banks at once. */
export interface FxGroup<T> {
  participant: string;
  items: readonly T[];
}

/** `{ groups: [{ results }] }` with one result list per group sent, each as long as its group: else null. */
function groupResults(answer: { groups?: unknown }, sent: readonly FxGroup<unknown>[]): QuoteBatchResult[][] | null {
  const groups = answer.groups;
  if (!Array.isArray(groups) || groups.length !== sent.length) return null;
  const results = groups.map((g) => (g as { results?: unknown } | null)?.results);
  return results.every((r, k): r is QuoteBatchResult[] => Array.isArray(r) && r.length === sent[k].items.length) ? (results as QuoteBatchResult[][]) : null;
}

/**
 * One call for the items of several banks: `call` gets them grouped by bank (banks in order of first appearance,
 * each bank's items in order) and answers one result list per group; the results come back in item order.
 */
export async function perBank<I, O>(items: readonly { participant: string; item: I }[], call: (groups: FxGroup<I>[]) => Promise<O[][]>): Promise<O[]> {
  const groups = new Map<string, { items: I[]; at: number[] }>();
  items.forEach(({ participant, item }, i) => {
    const group = groups.get(participant) ?? { items: [], at: [] };
    group.items.push(item);
    group.at.push(i);
    groups.set(participant, group);
  });
  const list = [...groups];
  const answered = await call(list.map(([participant, g]) => ({ participant, items: g.items })));
  const results = new Array<O>(items.length);
  list.forEach(([, g], k) => g.at.forEach((i, j) => (results[i] = answered[k][j])));
  return results;
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

  /**
   * Quote requests of several banks in one call (`POST /v1/fx/quotes/groups { groups: [{ participant, requests }] }`
   * → one result list per group, in order): the gateway's grouped single requests. Falls back to one batch call per
   * bank while fx-quote has no such endpoint (a rolling upgrade).
   */
  async createQuoteGroups(groups: readonly FxGroup<QuoteRequest>[]): Promise<QuoteBatchResult[][]> {
    try {
      const body = { groups: groups.map((g) => ({ participant: g.participant, requests: g.items })) };
      const answered = groupResults(await this.call('POST', '/v1/fx/quotes/groups', body, BATCH_TIMEOUT_MS), groups);
      if (answered) return answered;
    } catch (error) {
      if (!(error instanceof ProblemError) || (error.status !== 404 && error.status !== 405)) throw error;
    }
    return Promise.all(groups.map((g) => this.createQuotes(g.participant, [...g.items])));
  }

  /**
   * Quotes used by payments of several banks in one call (`POST /v1/fx/quotes/consume-groups { groups: [{ participant,
   * items }] }` → one result list per group, in order), each item checked against its own bank: the gateway's grouped
   * single payments. Falls back to one call per bank, one after another, while fx-quote has no such endpoint.
   */
  async consumeQuoteGroups(groups: readonly FxGroup<ConsumeItem>[]): Promise<QuoteBatchResult[][]> {
    try {
      const answered = groupResults(await this.call('POST', '/v1/fx/quotes/consume-groups', { groups }, BATCH_TIMEOUT_MS), groups);
      if (answered) return answered;
    } catch (error) {
      if (!(error instanceof ProblemError) || (error.status !== 404 && error.status !== 405)) throw error;
    }
    const results: QuoteBatchResult[][] = [];
    for (const g of groups) results.push(await this.consumeQuotes(g.participant, g.items));
    return results;
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
