import { quotesError } from './quotes.errors';
import { GroupCommit, ProblemError, parseOrProblem, problemBody } from '@nostro/platform';
import { QuoteRequest, SignedQuote, quoteRequestSchema } from '@nostro/shared';
import { quoteBatchSchema } from '../http/api.schemas';
import { FxClient, QuoteBatchResult, perBank } from './fx.client';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { ParticipantCache } from '../participants/participant.cache';
import { groupCommitMetrics } from '../common/group-commit.metrics';

/** A quote as the bank sees it: who asked is the caller, so it is left out. */
function bankView(quote: SignedQuote): Omit<SignedQuote, 'participant'> {
  const { participant: _own, ...view } = quote;
  return view;
}

/**
 * Quotes for banks: the request is validated here, the creditor must be a participant that can receive the target
 * currency (and is not suspended), and fx-quote prices, signs and locks the quote.
 */
export class QuotesService {
  /**
   * Group commit: quote requests of every bank that arrive while earlier ones are being priced go to fx-quote
   * together in the next call (one round trip and one transaction there, each bank's quotes signed as its own
   * batch); a lone request goes at once.
   */
  private readonly pricing = new GroupCommit<'all', { participant: string; item: QuoteRequest }, QuoteBatchResult>(
    async (_all, requests) => (await perBank(requests, (groups) => this.fx.createQuoteGroups(groups))).map((ok) => ({ ok })),
    { observe: groupCommitMetrics('pricing') },
  );

  constructor(
    private readonly fx: FxClient,
    private readonly cache: ParticipantCache,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** `POST /v1/quotes` (Idempotency-Key honoured when sent). */
  create(participant: string, key: string | null, rawBody: Buffer | undefined, body: unknown): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', '/v1/quotes', rawBody);
    return this.idempotency.run(participant, key, hash, async () => {
      const request = parseOrProblem(quoteRequestSchema, body);
      await this.checkCreditor(request);
      const priced = await this.pricing.run('all', { participant, item: request });
      if ('problem' in priced) {
        const p = priced.problem;
        if (p.status >= 500) throw quotesError('service_unavailable', 'the FX service failed; retry later', undefined, { 'retry-after': '1' });
        throw new ProblemError(p.status, p.code, p.title, p.detail, p.errors);
      }
      return { status: 201, body: bankView(priced) };
    });
  }

  /** `POST /v1/quotes/batch`: one quote or `{ problem }` per item, in order. */
  createBatch(participant: string, key: string | null, rawBody: Buffer | undefined, body: unknown): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', '/v1/quotes/batch', rawBody);
    return this.idempotency.run(participant, key, hash, async () => {
      const { quotes } = parseOrProblem(quoteBatchSchema, body);
      const checked = await Promise.all(quotes.map((item) => this.checkItem(item)));
      const valid = checked.filter((c): c is { request: QuoteRequest } => 'request' in c);
      const priced =
        valid.length > 0
          ? await this.fx.createQuotes(
              participant,
              valid.map((c) => c.request),
            )
          : [];
      let next = 0;
      const results = checked.map((c) => {
        if ('problem' in c) return c;
        const quote = priced[next++];
        return 'problem' in quote ? quote : bankView(quote);
      });
      return { status: 201, body: { results } };
    });
  }

  private async checkItem(item: unknown): Promise<{ request: QuoteRequest } | { problem: ReturnType<typeof problemBody> }> {
    try {
      const request = parseOrProblem(quoteRequestSchema, item);
      await this.checkCreditor(request);
      return { request };
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) return { problem: problemBody(error) };
      throw error;
    }
  }

  private async checkCreditor(request: QuoteRequest): Promise<void> {
    const creditor = await this.cache.participant(request.creditorParticipant);
    if (!creditor || !creditor.currencies.includes(request.targetCurrency)) {
      throw quotesError('corridor_unavailable', `no participant ${request.creditorParticipant} receiving ${request.targetCurrency}`);
    }
    if (creditor.status === 'suspended') throw quotesError('participant_suspended', `the creditor participant ${creditor.id} is suspended`);
  }
}
