import { DualControl, DualControlInterceptor } from '../approvals/dual-control';
import { Body, Controller, Get, Headers, Inject, Param, Post, Put, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminPaymentsService } from './admin-payments.service';
import {
  adminPaymentPageSchema,
  adminPaymentSchema,
  adminPaymentsQuerySchema,
  decisionBodySchema,
  decisionResultSchema,
  limitsBodySchema,
  limitsResultSchema,
} from './admin-payments.schemas';
import { AuthedRequest, OperatorGuard } from '../auth/auth.guards';
import { ParticipantIdParam, UuidParam } from '../auth/path-params';
import { ExceptionsService } from '../exceptions/exceptions.service';
import { cancelRequestSchema, cancelledSchema } from '../http/api.schemas';
import { Requires } from '@nostro/platform';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { send } from '../http/reply';

/** Operator endpoints for payments and limits (API.md "Operator endpoints"); thin: validate, call, map. */
@UseInterceptors(DualControlInterceptor)
@Controller('v1/admin')
@UseGuards(OperatorGuard)
export class AdminPaymentsController {
  constructor(
    @Inject(AdminPaymentsService) private readonly payments: AdminPaymentsService,
    @Inject(ExceptionsService) private readonly exceptions: ExceptionsService,
  ) {}

  @Get('payments')
  @ApiDoc({
    summary: "Any participant's payments",
    description: 'Filter with `status=HELD` for the payments waiting for approval. Oldest first, cursor-paginated.',
    tags: ['Payments (operators)'],
    auth: 'operator',
    query: adminPaymentsQuerySchema,
    responses: { 200: { description: 'One page', schema: adminPaymentPageSchema } },
  })
  list(@Query() query: Record<string, string>) {
    return this.payments.list(query);
  }

  @Get('payments/:uetr')
  @ApiDoc({
    summary: 'One payment with its timeline and the decisions on it',
    tags: ['Payments (operators)'],
    auth: 'operator',
    responses: { 200: { description: 'The payment', schema: adminPaymentSchema } },
    problems: ['not_found'],
  })
  get(@Param('uetr') uetr: string) {
    return this.payments.get(uetr);
  }

  @Post('payments/:uetr/decisions')
  @Requires('payment.decide')
  @ApiDoc({
    summary: 'Approve or reject a held payment',
    description:
      'M-of-N: the payment is submitted once M distinct operators approved it (settlement decides; M is its HOLD_APPROVALS_REQUIRED), ' +
      'rejected at the first rejection, and rejected with `hold_expired` once its hold deadline passed. Answered once settlement recorded the decision.',
    tags: ['Payments (operators)'],
    auth: 'operator',
    body: decisionBodySchema,
    responses: {
      201: { description: 'Recorded', schema: decisionResultSchema },
      202: { description: 'Sent, not yet answered by settlement: retry with the same key' },
    },
    problems: [
      'not_found',
      'payment_not_held',
      'approver_already_decided',
      'hold_expired',
      'idempotency_key_required',
      'idempotency_conflict',
      'idempotency_in_progress',
    ],
    idempotency: 'required',
  })
  async decide(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr') uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const k = IdempotencyService.validateKey(key, true) as string;
    const operator = req.operator as { id: string; name: string };
    const hash = IdempotencyService.requestHash(req.method, req.url, req.rawBody);
    return send(reply, await this.payments.decide({ id: operator.id, name: operator.name }, uetr.toLowerCase(), body, k, hash, String(req.id)));
  }

  @Post('payments/:uetr/cancel')
  @Requires('payment.decide')
  @ApiDoc({
    summary: 'Cancel a payment on behalf of its debtor bank',
    description:
      'RECEIVED, HELD or QUEUED only (a payment waiting in a liquidity queue: API.md "Liquidity queue"). Answered like the bank’s own cancel, once settlement ' +
      'decided: for a QUEUED payment, once the ledger took it out of the queue; `409 payment_not_cancellable` if it settled first. The debtor bank gets payment.cancelled.',
    tags: ['Payments (operators)'],
    auth: 'operator',
    body: cancelRequestSchema,
    responses: { 200: { description: 'Cancelled', schema: cancelledSchema } },
    problems: [
      'not_found',
      'validation_failed',
      'payment_not_cancellable',
      'idempotency_key_required',
      'idempotency_conflict',
      'idempotency_in_progress',
      'service_unavailable',
    ],
    idempotency: 'required',
  })
  async cancel(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr', UuidParam) uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const operator = req.operator as { id: string; name: string };
    const k = IdempotencyService.validateKey(key, true) as string;
    const ask = { uetr, key: k, rawBody: req.rawBody, body, correlationId: String(req.id), hashPath: `/v1/admin/payments/${uetr}/cancel` };
    return send(reply, await this.exceptions.cancelAsOperator({ id: operator.id, name: operator.name }, ask));
  }

  @Put('participants/:id/limits')
  @DualControl()
  @Requires('participant.limits')
  @ApiDoc({
    summary: "Set a participant's net debit cap and hold threshold in one currency",
    description: 'The cap reaches the validators as a set_limits configuration transaction; answered once that is final (200), or 202 if it is not yet.',
    tags: ['Participants'],
    auth: 'operator',
    body: limitsBodySchema,
    responses: { 200: { description: 'In force', schema: limitsResultSchema }, 202: { description: 'Submitted, not final yet', schema: limitsResultSchema } },
    problems: ['not_found', 'account_unknown', 'limit_below_balance'],
    idempotency: 'honoured',
  })
  async setLimits(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const k = IdempotencyService.validateKey(key, false);
    const hash = IdempotencyService.requestHash(req.method, req.url, req.rawBody);
    return send(reply, await this.payments.setLimits(id, body, k, hash, String(req.id)));
  }
}
