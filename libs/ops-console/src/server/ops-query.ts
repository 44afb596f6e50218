import { currencySchema, pageLimitSchema, participantIdSchema, timestampParamSchema } from '@nostro/shared';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import { z } from 'zod';

export const PAYMENT_STATUSES = ['RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'] as const;
export const PAGE_LIMIT_MAX = 200;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const limit = pageLimitSchema(PAGE_LIMIT_MAX, 50);
const iso = timestampParamSchema;

/** `GET /ops/api/payments`: every filter the console offers; unknown parameters are refused. */
export const paymentFilterSchema = z
  .strictObject({
    status: z.enum(PAYMENT_STATUSES).optional(),
    participant: participantIdSchema.optional(),
    side: z.enum(['either', 'debtor', 'creditor']).default('either'),
    sourceCurrency: currencySchema.optional(),
    targetCurrency: currencySchema.optional(),
    from: iso.optional(),
    to: iso.optional(),
    uetr: z
      .string()
      .regex(UUID, 'a UUID')
      .transform((u) => u.toLowerCase())
      .optional(),
    endToEndId: z.string().min(1).max(35).optional(),
    limit,
    cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
  })
  .refine((q) => !(q.from && q.to) || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], message: 'must be after from' });
export type PaymentFilter = z.infer<typeof paymentFilterSchema>;

/** `GET /ops/api/audit`. */
export const auditQuerySchema = z.strictObject({
  operatorId: z.uuid().optional(),
  action: z
    .string()
    .regex(/^[a-z][a-z_.]{0,63}$/, 'an action name or its prefix')
    .optional(),
  target: z.string().min(1).max(64).optional(),
  limit,
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

/** The states of an operator call held for a second admin (dual control, API.md "Operator controls"). */
export const REQUEST_STATUSES = ['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'EXPIRED'] as const;

/** `GET /ops/api/requests`: held operator calls, oldest first (the operator API's `GET /v1/admin/requests`). */
export const requestsQuerySchema = z.strictObject({
  status: z.enum(REQUEST_STATUSES).optional(),
  limit,
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

/** `GET /ops/api/recalls`: open recalls, soonest deadline first. */
export const recallsQuerySchema = z.strictObject({
  limit,
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

/** `GET /ops/api/queues`: non-empty liquidity queues in account order (the operator API's `GET /v1/admin/queues`). */
export const queuesQuerySchema = z.strictObject({
  participant: participantIdSchema.optional(),
  currency: currencySchema.optional(),
  limit,
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

/** `GET /ops/api/blocks`. */
export const blocksQuerySchema = z.strictObject({
  limit: pageLimitSchema(PAGE_LIMIT_MAX, 25),
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'a block height')
    .optional(),
});

/** A calendar day written YYYY-MM-DD (2026-02-30 is not one). */
const isCalendarDate = (d: string): boolean => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** `GET /ops/api/participants/{id}/statement`: one account's statement of a UTC day (default: today), as JSON or camt.053. */
export const statementQuerySchema = z.strictObject({
  currency: currencySchema,
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
    .refine(isCalendarDate, 'not a calendar date')
    .optional(),
  format: z.enum(['json', 'xml']).default('json'),
});

export function isUetr(value: string): boolean {
  return UUID.test(value);
}
