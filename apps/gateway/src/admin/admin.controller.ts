import { DualControl, DualControlInterceptor } from '../approvals/dual-control';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  addKeySchema,
  createOperatorSchema,
  createParticipantSchema,
  createdOperatorSchema,
  keySchema,
  operatorSchema,
  pageOf,
  pageQuerySchema,
  participantSchema,
  transferResultSchema,
  transferSchema,
  updateParticipantSchema,
} from '../http/api.schemas';
import { AdminService } from './admin.service';
import { AuthedRequest, OperatorGuard } from '../auth/auth.guards';
import { KeyIdParam, ParticipantIdParam, UuidParam } from '../auth/path-params';
import { Requires } from '@nostro/platform';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { send } from '../http/reply';

const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
const participantWithLedger = participantSchema.extend({ ledger: z.string().describe('ready once the ledger has it final, else pending') });

/** Operator endpoints under /v1/admin (API.md), bearer-token authenticated, role-checked. */
@UseInterceptors(DualControlInterceptor)
@Controller('v1/admin')
@UseGuards(OperatorGuard)
@UseFilters(GatewayErrorFilter)
export class AdminController {
  constructor(
    @Inject(AdminService) private readonly admin: AdminService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  /** Honours an Idempotency-Key on an operator POST (API.md: on every POST). */
  private once(req: AuthedRequest, key: string | undefined, work: () => Promise<{ status: number; body: unknown; store?: boolean }>) {
    const hash = IdempotencyService.requestHash(req.method, req.url, req.rawBody);
    return this.idempotency.run('admin', IdempotencyService.validateKey(key, false), hash, work);
  }

  @Get('operators')
  @Requires('operator.manage')
  @ApiDoc({
    summary: 'Operators (tokens are never shown again)',
    tags: ['Operators'],
    auth: 'operator',
    responses: { 200: { description: 'Operators', schema: list(operatorSchema) } },
  })
  listOperators() {
    return this.admin.listOperators();
  }

  @Post('operators')
  @DualControl()
  @Requires('operator.manage')
  @ApiDoc({
    summary: 'Create an operator token',
    description: 'The token is shown once and stored as its SHA-256.',
    tags: ['Operators'],
    auth: 'operator',
    body: createOperatorSchema,
    responses: { 201: { description: 'The operator and its token', schema: createdOperatorSchema } },
    problems: ['validation_failed'],
    idempotency: 'honoured',
  })
  async createOperator(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.once(req, key, () => this.admin.createOperator(body)));
  }

  @Delete('operators/:id')
  @Requires('operator.manage')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Revoke an operator token',
    tags: ['Operators'],
    auth: 'operator',
    responses: { 204: { description: 'Revoked' } },
    problems: ['not_found'],
  })
  async deleteOperator(@Param('id', UuidParam) id: string): Promise<void> {
    await this.admin.deleteOperator(id);
  }

  @Get('participants')
  @ApiDoc({
    summary: 'Participants',
    tags: ['Participants'],
    auth: 'operator',
    query: pageQuerySchema,
    responses: { 200: { description: 'One page (cursor: the last id)', schema: pageOf(participantSchema) } },
  })
  listParticipants(@Query() query: Record<string, string>) {
    return this.admin.listParticipants(query);
  }

  @Post('participants')
  @Requires('participant.manage')
  @ApiDoc({
    summary: 'Register a participant',
    description: 'Its first key id is the participant id. Answered 201 once its accounts are final on the ledger, else 202.',
    tags: ['Participants'],
    auth: 'operator',
    body: createParticipantSchema,
    responses: {
      201: { description: 'Registered, accounts open', schema: participantWithLedger },
      202: { description: 'Registered, ledger pending', schema: participantWithLedger },
    },
    problems: [
      'validation_failed',
      'participant_exists',
      'corridor_unavailable',
      'key_exists',
      'key_id_reserved',
      'public_key_in_use',
      'webhook_url_not_allowed',
    ],
    idempotency: 'honoured',
  })
  async createParticipant(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.once(req, key, () => this.admin.createParticipant(body, String(req.id))));
  }

  @Get('participants/:id')
  @ApiDoc({
    summary: 'A participant with its keys',
    tags: ['Participants'],
    auth: 'operator',
    responses: { 200: { description: 'The participant', schema: participantSchema.extend({ keys: z.array(keySchema) }) } },
    problems: ['not_found'],
  })
  getParticipant(@Param('id', ParticipantIdParam) id: string) {
    return this.admin.getParticipant(id);
  }

  @Patch('participants/:id')
  @Requires('participant.manage')
  @ApiDoc({
    summary: 'Change a participant’s name or webhook URL',
    description: 'A webhook URL whose host is, or resolves to, a loopback, link-local or private address is refused unless WEBHOOK_ALLOW_PRIVATE=on.',
    tags: ['Participants'],
    auth: 'operator',
    body: updateParticipantSchema,
    responses: { 200: { description: 'The participant', schema: participantSchema } },
    problems: ['validation_failed', 'not_found', 'webhook_url_not_allowed'],
  })
  updateParticipant(@Param('id', ParticipantIdParam) id: string, @Body() body: unknown) {
    return this.admin.updateParticipant(id, body);
  }

  @Get('participants/:id/keys')
  @ApiDoc({
    summary: 'A participant’s request-signing keys',
    tags: ['Participants'],
    auth: 'operator',
    responses: { 200: { description: 'Keys, revoked ones included', schema: list(keySchema) } },
    problems: ['not_found'],
  })
  listKeys(@Param('id', ParticipantIdParam) id: string) {
    return this.admin.listKeys(id);
  }

  @Post('participants/:id/keys')
  @DualControl()
  @Requires('participant.manage')
  @ApiDoc({
    summary: 'Add a key (rotation)',
    description: 'Rotate by adding the new key, moving the bank to it, then revoking the old one. Key ids are unique across participants.',
    tags: ['Participants'],
    auth: 'operator',
    body: addKeySchema,
    responses: { 201: { description: 'The key', schema: keySchema } },
    problems: ['validation_failed', 'not_found', 'key_exists', 'key_id_reserved', 'public_key_in_use'],
    idempotency: 'honoured',
  })
  async addKey(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.once(req, key, () => this.admin.addKey(id, body)));
  }

  @Delete('participants/:id/keys/:keyId')
  @DualControl()
  @Requires('participant.manage')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Revoke a key',
    description: 'Requests signed with it are refused with key_unknown from then on.',
    tags: ['Participants'],
    auth: 'operator',
    responses: { 204: { description: 'Revoked' } },
    problems: ['not_found'],
  })
  async revokeKey(@Param('id', ParticipantIdParam) id: string, @Param('keyId', KeyIdParam) keyId: string): Promise<void> {
    await this.admin.revokeKey(id, keyId);
  }

  @Post('participants/:id/suspend')
  @Requires('participant.manage')
  @ApiDoc({
    summary: 'Suspend a participant',
    description:
      'Its writes are refused with participant_suspended at once; the ledger suspends it through the ordered stream. 200 once final there, else 202.',
    tags: ['Participants'],
    auth: 'operator',
    responses: {
      200: { description: 'Suspended', schema: participantWithLedger },
      202: { description: 'Suspended here, ledger pending', schema: participantWithLedger },
    },
    problems: ['not_found'],
    idempotency: 'honoured',
  })
  async suspend(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.once(req, key, () => this.admin.setSuspended(id, true, String(req.id))));
  }

  @Post('participants/:id/resume')
  @Requires('participant.manage')
  @ApiDoc({
    summary: 'Resume a suspended participant',
    tags: ['Participants'],
    auth: 'operator',
    responses: {
      200: { description: 'Active', schema: participantWithLedger },
      202: { description: 'Active here, ledger pending', schema: participantWithLedger },
    },
    problems: ['not_found'],
    idempotency: 'honoured',
  })
  async resume(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Headers('idempotency-key') key?: string,
  ) {
    return send(reply, await this.once(req, key, () => this.admin.setSuspended(id, false, String(req.id))));
  }

  @Post('participants/:id/deposits')
  @DualControl()
  @Requires('funds.transfer')
  @ApiDoc({
    summary: 'Deposit (prefunding)',
    description: 'Debits EXTERNAL, credits the participant; answered 201 with the new balance once final on the ledger.',
    tags: ['Funding'],
    auth: 'operator',
    body: transferSchema,
    responses: {
      201: { description: 'Final', schema: transferResultSchema },
      202: { description: 'Not final yet; repeat with the same key', schema: transferResultSchema },
    },
    problems: ['validation_failed', 'not_found', 'idempotency_key_required', 'idempotency_conflict', 'idempotency_in_progress'],
    idempotency: 'required',
  })
  async deposit(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const k = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.admin.transfer('deposit', id, body, k, req.rawBody, String(req.id)));
  }

  @Post('participants/:id/withdrawals')
  @DualControl()
  @Requires('funds.transfer')
  @ApiDoc({
    summary: 'Withdrawal',
    tags: ['Funding'],
    auth: 'operator',
    body: transferSchema,
    responses: {
      201: { description: 'Final', schema: transferResultSchema },
      202: { description: 'Not final yet; repeat with the same key', schema: transferResultSchema },
    },
    problems: ['validation_failed', 'not_found', 'insufficient_funds', 'idempotency_key_required', 'idempotency_conflict', 'idempotency_in_progress'],
    idempotency: 'required',
  })
  async withdraw(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id', ParticipantIdParam) id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key?: string,
  ) {
    const k = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.admin.transfer('withdrawal', id, body, k, req.rawBody, String(req.id)));
  }
}
