import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ProblemCode, ok } from '../openapi/api-doc.decorator';
import {
  finalitySchema,
  listQuerySchema,
  pageOf,
  paymentBatchDocSchema,
  paymentBatchResultSchema,
  paymentRequestSchema,
  paymentSchema,
} from '../http/api.schemas';
import { send } from '../http/reply';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { LedgerClient } from '../ledger/ledger.client';
import { Iso20022Service } from '../iso20022/iso20022.service';
import { XML_MEDIA_TYPE, wantsXml, xmlDocSchema } from '../iso20022/xml-media';
import { PaymentsService } from './payments.service';

const PAYMENT_PROBLEMS: ProblemCode[] = [
  'validation_failed',
  'idempotency_key_required',
  'idempotency_conflict',
  'idempotency_in_progress',
  'quote_expired',
  'quote_already_used',
  'quote_not_found',
  'limit_exceeded',
  'participant_suspended',
];
/** The remitting bank's payments (API.md "Payments"): submit one or a batch, list, read, finality proof; only its own. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class PaymentsController {
  constructor(
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(Iso20022Service) private readonly iso: Iso20022Service,
  ) {}

  @Post('payments')
  @ApiDoc({
    summary: 'Submit a payment',
    description:
      'Validated, screened, recorded durably, then answered 202. A sanctions hit answers 202 with status REJECTED; a possible match is held for an operator.',
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
  @ApiDoc({
    summary: "The caller's own payments",
    tags: ['Payments'],
    auth: 'bank',
    query: listQuerySchema,
    responses: ok('One page', pageOf(paymentSchema)),
    problems: ['validation_failed'],
  })
  list(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query);
  }

  @Get('payments/:uetr')
  @ApiDoc({
    summary: 'A payment with its timeline',
    description: 'With `Accept: application/xml`, its status as a pacs.002.001.11 (TxSts RCVD, PDNG, ACSP, ACSC, RJCT with the ISO reason, CANC).',
    tags: ['Payments'],
    auth: 'bank',
    responses: { 200: { description: 'The payment', schema: paymentSchema, alternatives: { 'application/xml': xmlDocSchema('pacs.002.001.11') } } },
    problems: ['not_found', 'validation_failed'],
  })
  async get(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('uetr') uetr: string, @Headers('accept') accept?: string) {
    const view = await this.payments.get(participantOf(req), uetr);
    if (!wantsXml(accept)) return view;
    void reply.header('content-type', XML_MEDIA_TYPE);
    return this.iso.paymentStatus(view);
  }

  @Get('payments/:uetr/finality')
  @ApiDoc({
    summary: 'Finality proof of a payment',
    description:
      'Verify it offline against GET /v1/keys. Of a conditional payment: the reservation’s proof while RESERVED, then the proof of the transaction that decided it (its fulfilment when SETTLED, its expiry when REJECTED condition_expired).',
    tags: ['Payments'],
    auth: 'bank',
    responses: ok('The proof', finalitySchema),
    problems: ['not_found'],
  })
  async finality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.ledger.finality(await this.payments.proofTransaction(participantOf(req), uetr));
  }
}
