import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { Requires, parseOrProblem } from '@nostro/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DualControl, DualControlInterceptor } from '../approvals/dual-control';
import { AuthedRequest, OperatorGuard } from '../auth/auth.guards';
import { ParticipantIdParam } from '../auth/path-params';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { problem } from '../http/gateway.errors';
import { send } from '../http/reply';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { ParticipantCache } from '../participants/participant.cache';
import { CustomerData } from './customer-data.service';

export const eraseBodySchema = z.strictObject({
  before: z.iso.datetime({ offset: true }).optional().describe('erase only what was created before this instant (never younger than the retention period)'),
});

const eraseResultSchema = z.object({
  participant: z.string(),
  erasedBefore: z.string().describe('the cutoff applied: the earlier of `before` and now minus the retention period'),
  retentionDays: z.number().int(),
  erased: z.number().int().describe('payments whose customer data was erased by this call'),
});

const statusSchema = z.object({
  currentKekId: z.string(),
  retentionDays: z.number().int(),
  keks: z.array(
    z.object({
      kekId: z.string(),
      current: z.boolean(),
      held: z.boolean().describe('this gateway was given the key'),
      dataKeys: z.string().describe('data keys wrapped by it'),
      retiredAt: z.string().optional().describe('when a whole pass found no data key wrapped by it'),
    }),
  ),
  erased: z.string(),
  notYetSealed: z.string().describe('rows written before encryption at rest, sealed in the background'),
});

/** Customer data at rest (docs/security.md): key status, and crypto-shredding a participant's old customer data. */
@UseInterceptors(DualControlInterceptor)
@Controller('v1/admin')
@UseGuards(OperatorGuard)
@UseFilters(GatewayErrorFilter)
export class CustomerDataController {
  constructor(
    @Inject(CustomerData) private readonly customerData: CustomerData,
    @Inject(ParticipantCache) private readonly participants: ParticipantCache,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Get('customer-data')
  @Requires('audit.read')
  @ApiDoc({
    summary: 'Customer data encryption: key-encryption keys, data keys, erasures',
    description: 'Counts the whole payments table: for operators checking a rotation, not for monitoring.',
    tags: ['Customer data'],
    auth: 'operator',
    responses: ok('Which KEK wraps how many data keys', statusSchema),
  })
  status() {
    return this.customerData.status();
  }

  @Post('participants/:id/erase-customer-data')
  @DualControl()
  @Requires('customer_data.erase')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Erase a participant’s old customer data (crypto-shredding)',
    description:
      'Destroys the data keys of the participant’s final payments, sent or received, created before `before` and before the retention ' +
      'period (PII_RETENTION_DAYS): their debtor, creditor and remittance information can never be read again, while amounts, statuses, ' +
      'blocks and proofs stay. Payments with a recall awaiting an answer are left. Dual-controlled.',
    tags: ['Customer data'],
    auth: 'operator',
    body: eraseBodySchema,
    responses: ok('How many payments were erased', eraseResultSchema),
    problems: ['validation_failed', 'not_found', 'idempotency_conflict', 'idempotency_in_progress'],
    idempotency: 'honoured',
  })
  async erase(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const hash = IdempotencyService.requestHash(req.method, req.url, req.rawBody);
    const result = await this.idempotency.run('admin', IdempotencyService.validateKey(key, false), hash, async () => {
      const b = parseOrProblem(eraseBodySchema, body ?? {});
      if (!(await this.participants.participant(id))) throw problem('not_found', 'no such participant');
      return { status: 200, body: await this.customerData.erase(id, b.before ? new Date(b.before) : undefined) };
    });
    return send(reply, result);
  }
}
