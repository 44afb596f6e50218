import { Body, Controller, Delete, Headers, HttpCode, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { KeyIdParam } from '../auth/path-params';
import { addKeySchema, keySchema } from '../http/api.schemas';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { send } from '../http/reply';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { BANK_ACTIVE_KEYS_MAX, ParticipantKeysService } from '../participants/participant-keys.service';

/** A bank rotating its own request-signing keys (API.md "Operator controls", bank-managed keys): no operator needed. */
@Controller('v1/keys/participant')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class ParticipantKeysController {
  constructor(@Inject(ParticipantKeysService) private readonly keys: ParticipantKeysService) {}

  @Post()
  @ApiDoc({
    summary: 'Add a key of your own (rotation)',
    description:
      'Signed with one of your current keys. Rotate by adding the new key, moving your signer to it, then revoking the old one. ' +
      `Key ids are unique across participants; a public key belongs to one participant only; at most ${BANK_ACTIVE_KEYS_MAX} active keys.`,
    tags: ['Keys'],
    auth: 'bank',
    body: addKeySchema,
    responses: { 201: { description: 'The key, usable at once', schema: keySchema } },
    problems: [
      'validation_failed',
      'key_exists',
      'key_id_reserved',
      'public_key_in_use',
      'limit_exceeded',
      'participant_suspended',
      'idempotency_conflict',
      'idempotency_in_progress',
    ],
    idempotency: 'honoured',
  })
  async add(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.keys.addOwn(participantOf(req), body, IdempotencyService.validateKey(key, false), req.rawBody));
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Revoke a key of your own',
    description:
      'Never your last active key (`409 last_key`); it may be the key that signs this request. Requests signed with it are `401 key_unknown` ' +
      'from this answer on. Another participant’s key, an unknown or an already revoked one is `404`.',
    tags: ['Keys'],
    auth: 'bank',
    responses: { 204: { description: 'Revoked' } },
    problems: ['not_found', 'last_key', 'participant_suspended'],
  })
  async revoke(@Req() req: AuthedRequest, @Param('keyId', KeyIdParam) keyId: string): Promise<void> {
    await this.keys.revokeOwn(participantOf(req), keyId);
  }
}
