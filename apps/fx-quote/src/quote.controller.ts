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
const consumeBatchBody = z.strictObject({
  participant: participantIdSchema,
  items: z
    .array(
      z.strictObject({
        quoteId: z.string().min(1).max(64),
        uetr: uuidSchema,
        expect: expectation.optional(),
      }),
    )
    .min(1)
    .max(QUOTE_BATCH_MAX),
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
    const valid = parsed.flatMap((p) => (p.success ? [p.data as QuoteRequest] : []));
    const quoted = await this.quotes.createMany(participant, valid);
    let next = 0;
    const results = parsed.map((p): BatchItem => {
      if (!p.success) return validationItem(zodFieldErrors(p.error));
      const outcome = quoted[next++];
      return outcome instanceof QuoteError ? { problem: problemBody(outcome) } : outcome;
    });
    return { results };
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
    return { results: used.map((outcome) => (outcome instanceof QuoteError ? { problem: problemBody(outcome) } : outcome)) };
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
