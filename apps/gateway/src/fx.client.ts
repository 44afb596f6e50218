import { ProblemError } from '@nostro/platform';
import { QuoteRequest, SignedQuote } from '@nostro/shared';

const TIMEOUT_MS = 5_000;

/** HTTP client of the internal fx-quote API; its problems are passed through to the bank unchanged. */
export class FxClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new ProblemError(503, 'service_unavailable', 'Service unavailable', 'the FX service did not answer; retry later', undefined, { 'retry-after': '1' });
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return json as T;
    if (response.status >= 500) throw new ProblemError(503, 'service_unavailable', 'Service unavailable', 'the FX service failed; retry later');
    throw new ProblemError(response.status, String(json.code ?? 'bad_request'), String(json.title ?? 'Error'), String(json.detail ?? ''), json.errors as never);
  }

  createQuote(participant: string, request: QuoteRequest): Promise<SignedQuote> {
    return this.call('POST', '/v1/fx/quotes', { participant, request });
  }

  consumeQuote(participant: string, quoteId: string, uetr: string): Promise<SignedQuote> {
    return this.call('POST', `/v1/fx/quotes/${encodeURIComponent(quoteId)}/consume`, { participant, uetr });
  }
}
