import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ProblemError } from '@nostro/platform';
import { asCurrency, formatAmount, quoteRequestSchema } from '@nostro/shared';
import type { FastifyReply } from 'fastify';
import {
  accountsSchema,
  finalitySchema,
  listQuerySchema,
  pageOf,
  paymentBatchDocSchema,
  paymentBatchResultSchema,
  paymentRequestSchema,
  paymentSchema,
  quoteBatchDocSchema,
  quoteBatchResultSchema,
  quoteSchema,
} from './api.schemas';
import { AuthedRequest, BankAuthGuard } from './auth.guards';
import { IdempotencyService } from './idempotency.service';
import { LedgerClient } from './ledger.client';
import { GatewayErrorFilter } from './gateway-error.filter';
import { ApiDoc } from './openapi/api-doc.decorator';
import { PaymentsService } from './payments.service';
import { QuotesService } from './quotes.service';
import { send } from './reply';

const participantOf = (req: AuthedRequest): string => {
  if (!req.participant) throw new ProblemError(401, 'signature_missing', 'Unauthorized', 'not authenticated');
  return req.participant;
};

const QUOTE_PROBLEMS = ['validation_failed', 'corridor_unavailable', 'participant_suspended', 'rate_stale', 'insufficient_liquidity'];
const PAYMENT_PROBLEMS = ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'idempotency_in_progress', 'quote_expired', 'quote_already_used', 'quote_not_found', 'limit_exceeded', 'participant_suspended'];
const single = (description: string, schema: Parameters<typeof ApiDoc>[0]['responses'][number]['schema']) => ({ 200: { description, schema } });

/** The bank-facing API (API.md); every route is signed (RFC 9421) and sees only the caller's own data. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class BankController {
  constructor(
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(QuotesService) private readonly quotes: QuotesService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
  ) {}

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
  async quoteBatch(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.quotes.createBatch(participantOf(req), IdempotencyService.validateKey(key, false), req.rawBody, body));
  }

  @Post('payments')
  @ApiDoc({
    summary: 'Submit a payment',
    description: 'Validated, screened, recorded durably, then answered 202. A sanctions hit answers 202 with status REJECTED; a possible match is held for an operator.',
    tags: ['Payments'],
    auth: 'bank',
    body: paymentRequestSchema,
    responses: { 202: { description: 'Accepted (or rejected by screening); follow it by uetr', schema: paymentSchema } },
    problems: PAYMENT_PROBLEMS,
    idempotency: 'required',
  })
  async pay(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    const idempotencyKey = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.payments.create(participantOf(req), idempotencyKey, req.rawBody, body, String(req.id)));
  }

  @Post('payments/batch')
  @ApiDoc({
    summary: 'Submit up to 1,000 payments at once',
    description: 'One result per item, in order: `{ uetr, status }` when accepted, or `{ problem }`. One Idempotency-Key covers the batch.',
    tags: ['Payments'],
    auth: 'bank',
    body: paymentBatchDocSchema,
    responses: { 202: { description: 'One result per item', schema: paymentBatchResultSchema } },
    problems: ['validation_failed', 'idempotency_key_required', 'idempotency_conflict', 'idempotency_in_progress'],
    idempotency: 'required',
  })
  async payBatch(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    const idempotencyKey = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.payments.createBatch(participantOf(req), idempotencyKey, req.rawBody, body, String(req.id)));
  }

  @Get('payments')
  @ApiDoc({ summary: "The caller's own payments", tags: ['Payments'], auth: 'bank', query: listQuerySchema, responses: single('One page', pageOf(paymentSchema)), problems: ['validation_failed'] })
  list(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query);
  }

  @Get('payments/:uetr')
  @ApiDoc({ summary: 'A payment with its timeline', tags: ['Payments'], auth: 'bank', responses: single('The payment', paymentSchema), problems: ['not_found', 'validation_failed'] })
  get(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.payments.get(participantOf(req), uetr);
  }

  @Get('payments/:uetr/finality')
  @ApiDoc({ summary: 'Finality proof of a payment', description: 'Verify it offline against GET /v1/keys.', tags: ['Payments'], auth: 'bank', responses: single('The proof', finalitySchema), problems: ['not_found'] })
  async finality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    const payment = await this.payments.get(participantOf(req), uetr);
    return this.ledger.finality(payment.uetr);
  }

  @Get('incoming-payments')
  @ApiDoc({ summary: 'Payments to the caller (as creditor)', tags: ['Incoming payments'], auth: 'bank', query: listQuerySchema, responses: single('One page', pageOf(paymentSchema)), problems: ['validation_failed'] })
  incoming(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query, true);
  }

  @Get('incoming-payments/:uetr')
  @ApiDoc({ summary: 'An incoming payment, with the parties', tags: ['Incoming payments'], auth: 'bank', responses: single('The payment', paymentSchema), problems: ['not_found', 'validation_failed'] })
  incomingOne(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.payments.get(participantOf(req), uetr, true);
  }

  @Get('incoming-payments/:uetr/finality')
  @ApiDoc({ summary: 'Finality proof of an incoming payment', tags: ['Incoming payments'], auth: 'bank', responses: single('The proof', finalitySchema), problems: ['not_found'] })
  async incomingFinality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    const payment = await this.payments.get(participantOf(req), uetr, true);
    return this.ledger.finality(payment.uetr);
  }

  /** Settlement accounts as of the last final block; available = balance + net debit cap. */
  @Get('accounts')
  @ApiDoc({ summary: "The caller's settlement accounts", description: 'As of the last final block.', tags: ['Accounts'], auth: 'bank', responses: single('Balances', accountsSchema) })
  async accounts(@Req() req: AuthedRequest) {
    const { height, accounts } = await this.ledger.balances(participantOf(req));
    return {
      height,
      data: accounts.map((a) => {
        const currency = asCurrency(a.currency);
        const balance = BigInt(a.balance);
        return {
          currency,
          balance: formatAmount(balance, currency),
          available: formatAmount(balance + BigInt(a.netDebitCap ?? '0'), currency),
        };
      }),
    };
  }
}
