import { Body, Controller, Headers, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { quoteRequestSchema } from '@nostro/shared';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ProblemCode } from '../openapi/api-doc.decorator';
import { quoteBatchDocSchema, quoteBatchResultSchema, quoteSchema } from '../http/api.schemas';
import { send } from '../http/reply';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { QuotesService } from './quotes.service';

const QUOTE_PROBLEMS: ProblemCode[] = ['validation_failed', 'corridor_unavailable', 'participant_suspended', 'rate_stale', 'insufficient_liquidity'];

/** Quotes (API.md "Quotes"): one, or a batch of up to 1,000; signed, locked, used once. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class QuotesController {
  constructor(@Inject(QuotesService) private readonly quotes: QuotesService) {}

  @Post('quotes')
  @ApiDoc({
    summary: 'Quote a payment',
    description: 'Rate, both amounts, every fee and the expiry. By send amount the receive amount is floored; by receive amount the send amount is ceiled.',
    tags: ['Quotes'],
    auth: 'bank',
    body: quoteRequestSchema,
    responses: { 201: { description: 'The signed quote, locked until used or expired', schema: quoteSchema } },
    problems: QUOTE_PROBLEMS,
    idempotency: 'honoured',
  })
  async quote(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.quotes.create(participantOf(req), IdempotencyService.validateKey(key, false), req.rawBody, body));
  }

  @Post('quotes/batch')
  @ApiDoc({
    summary: 'Quote up to 1,000 payments at once',
    description: 'One quote or `{ problem }` per item, in order.',
    tags: ['Quotes'],
    auth: 'bank',
    body: quoteBatchDocSchema,
    responses: { 201: { description: 'One result per item', schema: quoteBatchResultSchema } },
    problems: ['validation_failed'],
    idempotency: 'honoured',
  })
  async quoteBatch(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.quotes.createBatch(participantOf(req), IdempotencyService.validateKey(key, false), req.rawBody, body));
  }
}
