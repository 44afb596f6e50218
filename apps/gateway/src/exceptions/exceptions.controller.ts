import { Body, Controller, Get, Headers, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { UuidParam } from '../auth/path-params';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ProblemCode, ok } from '../openapi/api-doc.decorator';
import {
  cancelRequestSchema,
  cancelledSchema,
  finalitySchema,
  fulfilAcceptedSchema,
  fulfilRequestSchema,
  recallAcceptedSchema,
  recallAnswerSchema,
  recallRequestSchema,
  recallResponseRequestSchema,
  returnAcceptedSchema,
  returnRequestSchema,
} from '../http/api.schemas';
import { send } from '../http/reply';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { LedgerClient } from '../ledger/ledger.client';
import { PaymentsService } from '../payments/payments.service';
import { exceptionsError } from './exceptions.errors';
import { ExceptionsRepository } from './exceptions.repository';
import { ExceptionsService } from './exceptions.service';

const IDEMPOTENT: ProblemCode[] = [
  'validation_failed',
  'idempotency_key_required',
  'idempotency_conflict',
  'idempotency_in_progress',
  'not_found',
  'service_unavailable',
];

/**
 * The way back (API.md "Cancel, recall, return"): the debtor bank cancels or recalls its payments, the creditor bank
 * answers recalls and returns what it received; each sees only its own, and reads each return's finality proof.
 */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class ExceptionsController {
  constructor(
    @Inject(ExceptionsService) private readonly exceptions: ExceptionsService,
    @Inject(ExceptionsRepository) private readonly repo: ExceptionsRepository,
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
  ) {}

  @Post('payments/:uetr/cancel')
  @ApiDoc({
    summary: 'Cancel a payment that has not reached the ledger',
    description:
      'RECEIVED, HELD or QUEUED only. Answered once settlement decided, in order with the payment’s other events: the quote stays used and its FX reservation is released. Webhook payment.cancelled.',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    body: cancelRequestSchema,
    responses: { 200: { description: 'Cancelled', schema: cancelledSchema } },
    problems: [...IDEMPOTENT, 'payment_not_cancellable'],
    idempotency: 'required',
  })
  async cancel(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.exceptions.cancel(this.ask(req, uetr, body, key)));
  }

  @Post('payments/:uetr/recall')
  @ApiDoc({
    summary: 'Ask the creditor bank to return a settled payment',
    description:
      'An ISO 20022 cancellation reason (camt.056): DUPL, FRAD, TECH, CUST, AM09, AC03, UPAY. The creditor bank answers before respondBy (webhook payment.recall_requested); every outcome reaches the debtor as payment.recall_resolved.',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    body: recallRequestSchema,
    responses: { 202: { description: 'Recall pending', schema: recallAcceptedSchema } },
    problems: [...IDEMPOTENT, 'payment_not_settled', 'recall_pending', 'payment_returned'],
    idempotency: 'required',
  })
  async recall(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.exceptions.recall(this.ask(req, uetr, body, key)));
  }

  @Post('incoming-payments/:uetr/recall/response')
  @ApiDoc({
    summary: 'Answer a recall of a payment received',
    description:
      'accept returns the payment (all of it, or `amount` in the target currency) as a return with reason FOCR; reject needs an ISO 20022 investigation reason (camt.029): NOOR, CUST, AC04, ARDT, LEGL, NOAS.',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    body: recallResponseRequestSchema,
    responses: { 200: { description: 'The recall’s outcome', schema: recallAnswerSchema } },
    problems: [...IDEMPOTENT, 'recall_not_pending', 'return_exceeds_payment', 'payment_returned'],
    idempotency: 'required',
  })
  async respond(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.exceptions.respond(this.ask(req, uetr, body, key)));
  }

  @Post('incoming-payments/:uetr/return')
  @ApiDoc({
    summary: 'Return all or part of a settled payment received',
    description:
      'An ISO 20022 return reason (pacs.004): AC01, AC04, AC06, AM09, BE04, MS02, MS03, RR04. A new ledger transaction at the original rate: the creditor gives back `amount` (target currency, default all that is left), the debtor gets the same fraction of the send amount, rounded down; fees are not refunded.',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    body: returnRequestSchema,
    responses: { 202: { description: 'Return submitted to the ledger', schema: returnAcceptedSchema } },
    problems: [...IDEMPOTENT, 'payment_not_settled', 'return_exceeds_payment'],
    idempotency: 'required',
  })
  async giveBack(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.exceptions.giveBack(this.ask(req, uetr, body, key)));
  }

  @Post('incoming-payments/:uetr/fulfil')
  @ApiDoc({
    summary: 'Release a conditional payment held in escrow, with the preimage of its condition',
    description:
      'API.md "Conditional payments". Checked at once, changing nothing on a refusal: a payment that is not conditional, or not RESERVED (not yet, or no longer): 409 payment_not_reserved; SHA-256 of the preimage is not the hash: 422 condition_not_met; past expiresAt, or already given back: 409 condition_expired. Otherwise the fulfilment goes to settlement and the answer is 202 at once; the payment settles when the block that carries it is final, before expiresAt by block time (webhook payment.received with the fulfilment’s proof). A fulfilment while an earlier one is on its way is answered the same 202 and sends nothing more.',
    tags: ['Conditional payments'],
    auth: 'bank',
    body: fulfilRequestSchema,
    responses: { 202: { description: 'Fulfilment sent to settlement', schema: fulfilAcceptedSchema } },
    problems: [...IDEMPOTENT, 'payment_not_reserved', 'condition_not_met', 'condition_expired'],
    idempotency: 'required',
  })
  async fulfil(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.exceptions.fulfil(this.ask(req, uetr, body, key)));
  }

  @Get('payments/:uetr/returns/:returnId/finality')
  @ApiDoc({
    summary: 'Finality proof of a return of a payment sent',
    description: 'The same format as a payment’s proof; `transaction.uetr` is the payment’s, `transaction.returnId` the return’s.',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    responses: ok('The proof', finalitySchema),
    problems: ['not_found'],
  })
  returnFinality(@Req() req: AuthedRequest, @Param('uetr', UuidParam) uetr: string, @Param('returnId', UuidParam) returnId: string) {
    return this.proof(participantOf(req), uetr, returnId, false);
  }

  @Get('incoming-payments/:uetr/returns/:returnId/finality')
  @ApiDoc({
    summary: 'Finality proof of a return of a payment received',
    tags: ['Cancel, recall, return'],
    auth: 'bank',
    responses: ok('The proof', finalitySchema),
    problems: ['not_found'],
  })
  incomingReturnFinality(@Req() req: AuthedRequest, @Param('uetr', UuidParam) uetr: string, @Param('returnId', UuidParam) returnId: string) {
    return this.proof(participantOf(req), uetr, returnId, true);
  }

  private async proof(participant: string, uetr: string, returnId: string, asCreditor: boolean) {
    const payment = await this.payments.get(participant, uetr, asCreditor);
    const ret = await this.repo.findReturn(payment.uetr, returnId);
    if (!ret) throw exceptionsError('not_found', 'no such return of this payment');
    return this.ledger.finality(ret.return_id);
  }

  private ask(req: AuthedRequest, uetr: string, body: unknown, key: string | undefined) {
    return {
      participant: participantOf(req),
      uetr,
      key: IdempotencyService.validateKey(key, true) as string,
      rawBody: req.rawBody,
      body,
      correlationId: String(req.id),
    };
  }
}
