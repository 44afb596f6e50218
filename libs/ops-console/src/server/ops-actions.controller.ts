import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Put, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { participantIdSchema } from '@nostro/shared';
import type { FastifyReply } from 'fastify';
import { Requires } from '@nostro/platform';
import { OpsAction, OpsRequest, OpsSessionGuard } from './ops-auth.guard';
import { OpsActionName, OpsActionsService } from './ops-actions.service';
import { OpsHeadersInterceptor } from './ops-headers.interceptor';
import { isUetr } from './ops-query';
import { OpsSession } from './ops-session.service';
import { opsProblem } from './ops.errors';

/**
 * Operator actions from the console. Each goes to the operator API as the signed-in operator (its roles,
 * validation and idempotency apply) and is written to the audit log; the answer is passed back as it came.
 */
@Controller('ops/api')
@UseGuards(OpsSessionGuard)
@UseInterceptors(OpsHeadersInterceptor)
export class OpsActionsController {
  constructor(@Inject(OpsActionsService) private readonly actions: OpsActionsService) {}

  private async run(req: OpsRequest, reply: FastifyReply, action: OpsActionName, target: string, body: unknown, key: string | undefined) {
    const answer = await this.actions.perform(req.opsSession as OpsSession, {
      action,
      target,
      body: body ?? undefined,
      idempotencyKey: key,
      correlationId: String(req.id),
    });
    void reply.status(answer.status).header('content-type', answer.contentType);
    return answer.body;
  }

  @Post('payments/:uetr/decisions')
  @Requires('payment.decide')
  @OpsAction('payment.decision')
  decide(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr') uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'payment.decision', paymentId(uetr), body, key);
  }

  /**
   * Cancel a payment on behalf of its debtor bank (`{ reason? }`): a queued one leaves its liquidity queue, answered
   * once the ledger took it out (`409 payment_not_cancellable` when it settled first).
   */
  @Post('payments/:uetr/cancel')
  @HttpCode(200)
  @Requires('payment.decide')
  @OpsAction('payment.cancel')
  cancel(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr') uetr: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'payment.cancel', paymentId(uetr), body, key);
  }

  /**
   * Approve another operator's call held for a second admin (dual control): it runs as its requester asked it, and
   * the answer is the call's own. The requester itself is refused by the operator API: 403 four_eyes_required.
   */
  @Post('requests/:id/approve')
  @Requires('request.decide')
  @OpsAction('request.approve')
  approveRequest(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'request.approve', requestId(id), body, key);
  }

  /** Reject another operator's held call: it never runs. */
  @Post('requests/:id/reject')
  @Requires('request.decide')
  @OpsAction('request.reject')
  rejectRequest(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'request.reject', requestId(id), body, key);
  }

  @Post('participants/:id/deposits')
  @Requires('funds.transfer')
  @OpsAction('participant.deposit')
  deposit(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'participant.deposit', participant(id), body, key);
  }

  @Post('participants/:id/withdrawals')
  @Requires('funds.transfer')
  @OpsAction('participant.withdrawal')
  withdraw(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'participant.withdrawal', participant(id), body, key);
  }

  @Put('participants/:id/limits')
  @Requires('participant.limits')
  @OpsAction('participant.limits')
  limits(
    @Req() req: OpsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.run(req, reply, 'participant.limits', participant(id), body, key);
  }

  @Post('participants/:id/suspend')
  @HttpCode(200)
  @Requires('participant.manage')
  @OpsAction('participant.suspend')
  suspend(@Req() req: OpsRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Headers('idempotency-key') key?: string) {
    return this.run(req, reply, 'participant.suspend', participant(id), undefined, key);
  }

  @Post('participants/:id/resume')
  @HttpCode(200)
  @Requires('participant.manage')
  @OpsAction('participant.resume')
  resume(@Req() req: OpsRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Headers('idempotency-key') key?: string) {
    return this.run(req, reply, 'participant.resume', participant(id), undefined, key);
  }
}

/** A payment's UETR, lower-cased; anything else names no payment. */
function paymentId(uetr: string): string {
  if (!isUetr(uetr)) throw opsProblem('not_found', 'no such payment');
  return uetr.toLowerCase();
}

/** A held operator call's id (a UUID), lower-cased; anything else names no request. */
function requestId(id: string): string {
  if (!isUetr(id)) throw opsProblem('not_found', 'no such request');
  return id.toLowerCase();
}

function participant(id: string): string {
  if (!participantIdSchema.safeParse(id).success) throw opsProblem('not_found', 'no such participant');
  return id;
}
