import { Controller, Get, Inject, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Requires } from '@nostro/platform';
import { z } from 'zod';
import { OperatorGuard } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { pageOf } from '../http/api.schemas';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { AuditService, auditQuerySchema } from './audit.service';

const auditEntrySchema = z.object({
  seq: z.number().int().describe('position in the chain, from 1'),
  at: z.string(),
  operator: z.object({ id: z.string(), name: z.string(), role: z.string() }).nullable().describe('null for a call denied before the operator was known'),
  action: z.string().describe('admin.<route>.<method>, or the ops console’s action'),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'refused', 'denied', 'failed']),
  httpStatus: z.number().int().nullable(),
  detail: z.unknown(),
  correlationId: z.string().nullable(),
  remoteAddr: z.string().nullable(),
  prevHash: z.string().describe('the hash of the entry before (64 zeros for the first)'),
  hash: z.string().describe('SHA-256 of this entry’s fields and prevHash (docs/security.md)'),
});

const verificationSchema = z.object({
  entries: z.number().int().describe('entries checked before the first break, or all of them'),
  broken: z.object({ seq: z.string(), id: z.string(), reason: z.enum(['sequence_gap', 'prev_hash_mismatch', 'hash_mismatch']) }).nullable(),
});

/** The operator audit log (API.md "Operator controls"): hash-chained, append-only, readable and verifiable. */
@Controller('v1/admin')
@UseGuards(OperatorGuard)
@UseFilters(GatewayErrorFilter)
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get('audit')
  @Requires('audit.read')
  @ApiDoc({
    summary: 'The operator audit log, newest first',
    description: 'Every state-changing /v1/admin call and ops console action: who, what, on what, from where, how it ended; each entry hashes the one before.',
    tags: ['Audit'],
    auth: 'operator',
    query: auditQuerySchema,
    responses: ok('One page', pageOf(auditEntrySchema)),
    problems: ['validation_failed'],
  })
  list(@Query() query: Record<string, string>) {
    return this.audit.list(query);
  }

  @Get('audit/verify')
  @Requires('audit.read')
  @ApiDoc({
    summary: 'Verify the audit chain',
    description: 'Recomputes every entry’s hash in order and names the first broken entry (the same check as `npm run nostro-audit -- verify`).',
    tags: ['Audit'],
    auth: 'operator',
    responses: ok('The verification', verificationSchema),
  })
  verify() {
    return this.audit.verify();
  }
}
