import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseFilters, Catch, ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { ProblemError, ProblemFilter, parseOrProblem, Logger } from '@nostro/platform';
import { SignedQuote, participantIdSchema, quoteRequestSchema, uuidSchema } from '@nostro/shared';
import { z } from 'zod';
import { QUOTE_ERROR_HTTP, QuoteError } from './quote.errors';
import { QuoteService } from './quote.service';
import { FX_LOGGER } from './tokens';

const createBody = z.strictObject({ participant: participantIdSchema, request: z.unknown() });
const consumeBody = z.strictObject({ participant: participantIdSchema, uetr: uuidSchema });
const getQuery = participantIdSchema;

/** Maps QuoteError codes to problems (exhaustive table in quote.errors.ts). */
@Catch(QuoteError)
export class QuoteErrorFilter implements ExceptionFilter {
  constructor(@Inject(FX_LOGGER) private readonly log: Logger) {}

  catch(error: QuoteError, host: ArgumentsHost): void {
    const http = QUOTE_ERROR_HTTP[error.code];
    new ProblemFilter(this.log).catch(new ProblemError(http.status, http.code ?? error.code, http.title, error.message), host);
  }
}

/** Internal API used by the gateway (not exposed to banks directly). */
@Controller('v1/fx/quotes')
@UseFilters(QuoteErrorFilter)
export class QuoteController {
  constructor(@Inject(QuoteService) private readonly quotes: QuoteService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<SignedQuote> {
    const { participant, request } = parseOrProblem(createBody, body);
    return this.quotes.create(participant, parseOrProblem(quoteRequestSchema, request));
  }

  @Get(':participant/:id')
  async get(@Param('participant') participant: string, @Param('id') id: string): Promise<SignedQuote> {
    return this.quotes.get(parseOrProblem(getQuery, participant, 'participant'), id);
  }

  @Post(':id/consume')
  @HttpCode(200)
  async consume(@Param('id') id: string, @Body() body: unknown): Promise<SignedQuote> {
    const { participant, uetr } = parseOrProblem(consumeBody, body);
    return this.quotes.consume(participant, id, uetr);
  }
}
