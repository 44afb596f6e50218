import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { Requires } from '@nostro/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AuthedRequest, OperatorGuard } from '../auth/auth.guards';
import { UuidParam } from '../auth/path-params';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { pageOf } from '../http/api.schemas';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { ApprovalsService, approvalsQuerySchema, decisionCommentSchema } from './approvals.service';

const requestSchema = z.object({
  requestId: z.uuid(),
  status: z.enum(['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'EXPIRED']),
  action: z.string(),
  method: z.string(),
  path: z.string(),
  body: z.unknown(),
  requestedBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.object({ id: z.string(), name: z.string() }).optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional(),
  result: z.object({ status: z.number().int(), body: z.unknown() }).optional().describe('what the approved call answered'),
});

/** Dual control (API.md "Operator controls"): the held calls, approved or rejected by a different admin. */
@Controller('v1/admin')
@UseGuards(OperatorGuard)
@UseFilters(GatewayErrorFilter)
export class ApprovalsController {
  constructor(@Inject(ApprovalsService) private readonly approvals: ApprovalsService) {}

  @Get('requests')
  @ApiDoc({
    summary: 'Operator calls held for a second admin (DUAL_CONTROL=on)',
    tags: ['Dual control'],
    auth: 'operator',
    query: approvalsQuerySchema,
    responses: ok('One page, oldest first', pageOf(requestSchema)),
    problems: ['validation_failed'],
  })
  list(@Query() query: Record<string, string>) {
    return this.approvals.list(query);
  }

  @Get('requests/:id')
  @ApiDoc({ summary: 'One held call', tags: ['Dual control'], auth: 'operator', responses: ok('The request', requestSchema), problems: ['not_found'] })
  get(@Param('id', UuidParam) id: string) {
    return this.approvals.get(id);
  }

  @Post('requests/:id/approve')
  @Requires('request.decide')
  @ApiDoc({
    summary: 'Approve a held call: it runs now, as its requester asked it, and is answered as it would have been',
    description: 'A deposit’s approval answers 201 with the new balance. The operator who made the request cannot approve it (403 four_eyes_required).',
    tags: ['Dual control'],
    auth: 'operator',
    body: decisionCommentSchema,
    responses: { 200: { description: 'The held call’s own answer (its status may be 201, 202 or a problem)' } },
    problems: ['not_found', 'four_eyes_required', 'request_expired', 'request_not_pending'],
  })
  async approve(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id', UuidParam) id: string, @Body() body: unknown) {
    const answer = await this.approvals.approve(id, req.operator as NonNullable<AuthedRequest['operator']>, body);
    void reply.status(answer.status);
    if (answer.status >= 400) void reply.header('content-type', 'application/problem+json');
    return answer.body;
  }

  @Post('requests/:id/reject')
  @Requires('request.decide')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Reject a held call: it never runs',
    tags: ['Dual control'],
    auth: 'operator',
    body: decisionCommentSchema,
    responses: ok('The request, REJECTED', requestSchema),
    problems: ['not_found', 'four_eyes_required', 'request_expired', 'request_not_pending'],
  })
  reject(@Req() req: AuthedRequest, @Param('id', UuidParam) id: string, @Body() body: unknown) {
    return this.approvals.reject(id, req.operator as NonNullable<AuthedRequest['operator']>, body);
  }
}
