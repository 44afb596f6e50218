import { ArgumentsHost, Body, Catch, Controller, ExceptionFilter, Get, HttpCode, Inject, Param, Post, UseFilters } from '@nestjs/common';
import { FieldError, Logger, ProblemError, ProblemFilter, parseOrProblem, zodFieldErrors } from '@nostro/platform';
import { QuoteRequest, SignedQuote, participantIdSchema, quoteRequestSchema, uuidSchema } from '@nostro/shared';
import { z } from 'zod';
import { LiquidityService } from './liquidity.service';
import { ProblemBody, QUOTE_ERROR_HTTP, QuoteError, problemBody } from './quote.errors';
import { QUOTE_BATCH_MAX, QuoteService } from './quote.service';
import { RatesProvider } from './rates.provider';
import { FX_CURRENCIES, FX_LOGGER, FX_RATES } from './tokens';

const createBody = z.strictObject({ participant: participantIdSchema, request: z.unknown() });
const batchBody = z.strictObject({ participant: participantIdSchema, requests: z.array(z.unknown()).min(1).max(QUOTE_BATCH_MAX) });
/** What the payment says of the quote (a pacs.008): checked before the quote is used, so a mismatch burns nothing. */
const expectation = z.strictObject({ sendAmount: z.string().max(64), sourceCurrency: z.string().max(8), creditorParticipant: z.string().max(64) });
const consumeBody = z.strictObject({ participant: participantIdSchema, uetr: uuidSchema, expect: expectation.optional() });
const consumeItems = z
  .array(
    z.strictObject({
      quoteId: z.string().min(1).max(64),
      uetr: uuidSchema,
      expect: expectation.optional(),
    }),
  )
  .min(1)
  .max(QUOTE_BATCH_MAX);
const consumeBatchBody = z.strictObject({ participant: participantIdSchema, items: consumeItems });
/** At most QUOTE_BATCH_MAX items in all, whatever the number of groups. */
const withinBatchMax = (groups: readonly { length: number }[]) => groups.reduce((n, g) => n + g.length, 0) <= QUOTE_BATCH_MAX;
const tooMany = { message: `at most ${QUOTE_BATCH_MAX} items in all` };
const quoteGroupsBody = z.strictObject({
  groups: z
    .array(z.strictObject({ participant: participantIdSchema, requests: z.array(z.unknown()).min(1).max(QUOTE_BATCH_MAX) }))
    .min(1)
    .max(QUOTE_BATCH_MAX)
    .refine((groups) => withinBatchMax(groups.map((g) => g.requests)), tooMany),
});
const consumeGroupsBody = z.strictObject({
  groups: z
    .array(z.strictObject({ participant: participantIdSchema, items: consumeItems }))
    .min(1)
    .max(QUOTE_BATCH_MAX)
    .refine((groups) => withinBatchMax(groups.map((g) => g.items)), tooMany),
});

/** Maps QuoteError codes to problems (exhaustive table in quote.errors.ts). */
@Catch(QuoteError)
export class QuoteErrorFilter implements ExceptionFilter {
  constructor(@Inject(FX_LOGGER) private readonly log: Logger) {}

  catch(error: QuoteError, host: ArgumentsHost): void {
    const http = QUOTE_ERROR_HTTP[error.code];
    const errors: FieldError[] | undefined = error.field ? [{ path: error.field, message: error.message }] : undefined;
    const headers = http.retryAfterS ? { 'retry-after': String(http.retryAfterS) } : undefined;
    new ProblemFilter(this.log).catch(new ProblemError(http.status, http.code ?? error.code, http.title, error.message, errors, headers), host);
  }
}

/** One item of a batch: a quote, or the problem that refused it. */
export type BatchItem = SignedQuote | { problem: ProblemBody };

/** A batch's answer: the requests that failed validation as problems, the others as fx-quote decided, in order. */
function batchResults(parsed: readonly z.ZodSafeParseResult<unknown>[], quoted: readonly (SignedQuote | QuoteError)[]): BatchItem[] {
  let next = 0;
  return parsed.map((p): BatchItem => {
    if (!p.success) return validationItem(zodFieldErrors(p.error));
    return resultItem(quoted[next++]);
  });
}

const validRequests = (parsed: readonly z.ZodSafeParseResult<unknown>[]): QuoteRequest[] => parsed.flatMap((p) => (p.success ? [p.data as QuoteRequest] : []));

/** What fx-quote decided for one item: the quote, or the refusal as a problem. */
const resultItem = (outcome: SignedQuote | QuoteError): BatchItem => (outcome instanceof QuoteError ? { problem: problemBody(outcome) } : outcome);

function validationItem(errors: FieldError[]): { problem: ProblemBody } {
  return {
    problem: {
      type: 'https://nostro.dev/problems/validation_failed',
      title: 'Validation failed',
      status: 400,
      detail: 'the quote request is not valid',
      code: 'validation_failed',
      errors,
    },
  };
}

/** Internal API used by the gateway (not exposed to banks directly). */
@Controller('v1/fx')
@UseFilters(QuoteErrorFilter)
export class QuoteController {
  constructor(
    @Inject(QuoteService) private readonly quotes: QuoteService,
    @Inject(LiquidityService) private readonly liquidity: LiquidityService,
    @Inject(FX_RATES) private readonly rates: RatesProvider,
    @Inject(FX_CURRENCIES) private readonly currencies: readonly string[],
  ) {}

  @Post('quotes')
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<SignedQuote> {
    const { participant, request } = parseOrProblem(createBody, body);
    return this.quotes.create(participant, parseOrProblem(quoteRequestSchema, request));
  }

  /** Up to 1,000 requests → one quote or `{ problem }` per request, in order (field paths are relative to the item). */
  @Post('quotes/batch')
  @HttpCode(201)
  async createBatch(@Body() body: unknown): Promise<{ results: BatchItem[] }> {
    const { participant, requests } = parseOrProblem(batchBody, body);
    const parsed = requests.map((request) => quoteRequestSchema.safeParse(request));
    const quoted = await this.quotes.createMany(participant, validRequests(parsed));
    return { results: batchResults(parsed, quoted) };
  }

  /**
   * Quote requests of several banks at once (the gateway's single requests of every bank, grouped; at most 1,000 in
   * all): `{ groups: [{ participant, requests }] }` → `{ groups: [{ results }] }`, each group answered as
   * `quotes/batch` answers its bank, the accepted quotes of all reserving liquidity in one transaction.
   */
  @Post('quotes/groups')
  @HttpCode(201)
  async createGroups(@Body() body: unknown): Promise<{ groups: { results: BatchItem[] }[] }> {
    const { groups } = parseOrProblem(quoteGroupsBody, body);
    const parsed = groups.map((g) => g.requests.map((request) => quoteRequestSchema.safeParse(request)));
    const quoted = await this.quotes.createGroups(groups.map((g, k) => ({ participant: g.participant, requests: validRequests(parsed[k]) })));
    return { groups: parsed.map((p, k) => ({ results: batchResults(p, quoted[k]) })) };
  }

  @Get('quotes/:participant/:id')
  async get(@Param('participant') participant: string, @Param('id') id: string): Promise<SignedQuote> {
    return this.quotes.get(parseOrProblem(participantIdSchema, participant, 'participant'), id);
  }

  @Post('quotes/:id/consume')
  @HttpCode(200)
  async consume(@Param('id') id: string, @Body() body: unknown): Promise<SignedQuote> {
    const { participant, uetr, expect } = parseOrProblem(consumeBody, body);
    return this.quotes.consume(participant, id, uetr, Date.now(), expect);
  }

  /**
   * Up to 1,000 quotes used at once (the gateway's payment batches): one quote or `{ problem }` per item, in order,
   * each with the single-use rules of `quotes/:id/consume`.
   */
  @Post('quotes/consume')
  @HttpCode(200)
  async consumeBatch(@Body() body: unknown): Promise<{ results: BatchItem[] }> {
    const { participant, items } = parseOrProblem(consumeBatchBody, body);
    const used = await this.quotes.consumeMany(participant, items);
    return { results: used.map(resultItem) };
  }

  /**
   * Quotes used by payments of several banks at once (the gateway's single payments of every bank, grouped; at most
   * 1,000 in all): `{ groups: [{ participant, items }] }` → `{ groups: [{ results }] }`, each item checked against its
   * own bank as `quotes/consume` would, the uses of all recorded in one statement.
   */
  @Post('quotes/consume-groups')
  @HttpCode(200)
  async consumeGroups(@Body() body: unknown): Promise<{ groups: { results: BatchItem[] }[] }> {
    const { groups } = parseOrProblem(consumeGroupsBody, body);
    const used = await this.quotes.consumeGroups(groups.map((g) => ({ participant: g.participant, requests: g.items })));
    return { groups: used.map((results) => ({ results: results.map(resultItem) })) };
  }

  /** FXDESK per currency: ledger balance, what quotes reserve, and what may still be quoted. */
  @Get('liquidity')
  async positions() {
    return this.liquidity.positions(this.currencies);
  }

  /** The reference rates in use: provider, publisher, pivot, asOf, age and whether they are stale. */
  @Get('rates')
  ratesStatus() {
    return this.rates.status(Date.now());
  }
}
