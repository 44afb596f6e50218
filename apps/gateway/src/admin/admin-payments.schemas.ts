import { currencySchema, pageLimitSchema, participantIdSchema, timestampParamSchema } from '@nostro/shared';
import { z } from 'zod';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import { pageOf, paymentSchema, paymentStatusSchema } from '../http/api.schemas';

const statusSchema = paymentStatusSchema;
const amount = z.string().describe('decimal string in major units with exactly the currency minor-unit digits');

/** `GET /v1/admin/payments`: any participant's payments, filtered, cursor-paginated. */
export const adminPaymentsQuerySchema = z.strictObject({
  status: statusSchema.optional(),
  participant: participantIdSchema.optional().describe('debtor participant'),
  since: timestampParamSchema.optional(),
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

/** `POST /v1/admin/payments/{uetr}/decisions`. */
export const decisionBodySchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .optional(),
});

/** `PUT /v1/admin/participants/{id}/limits`. A new participant has a cap of zero and no threshold. */
export const limitsBodySchema = z.strictObject({
  currency: currencySchema,
  netDebitCap: amount.describe('how far below zero the account may go (major units)'),
  holdAbove: amount.nullable().describe('payments debiting more than this are held for M-of-N approval; null: none'),
});

// ---- Response shapes (documentation: the OpenAPI document describes them) ----

export const decisionViewSchema = z.object({
  requestId: z.uuid(),
  operator: z.object({ id: z.string(), name: z.string() }),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().optional(),
  state: z.enum(['pending', 'recorded', 'refused']).describe('recorded by settlement, refused (with reason), or not yet answered'),
  reason: z.string().optional(),
  at: z.string(),
});

export const adminPaymentSchema = paymentSchema.extend({
  approvals: z.number().int().describe('recorded approvals by distinct operators'),
  decisions: z.array(decisionViewSchema),
});

export const adminPaymentPageSchema = pageOf(adminPaymentSchema);

export const decisionResultSchema = z.object({
  uetr: z.uuid(),
  decision: decisionViewSchema,
  payment: z.object({ status: statusSchema, reason: z.string().optional(), approvals: z.number().int() }),
});

export const limitsResultSchema = z.object({
  participant: z.string(),
  currency: z.string(),
  netDebitCap: amount,
  holdAbove: amount.nullable(),
  status: z.enum(['SETTLED', 'SUBMITTED']).describe('SETTLED: in force (accepted in a final block); SUBMITTED: not final yet'),
  block: z.object({ height: z.number().int(), hash: z.string() }).optional(),
});
