import { currencySchema, participantIdSchema } from '@nostro/shared';
import { z } from 'zod';
import { opsProblem } from './ops.errors';

export const PAYMENT_STATUSES = ['RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED'] as const;
export const PAGE_LIMIT_MAX = 200;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A timestamp with microseconds as Postgres keeps it (the cursor must not lose them). */
const MICRO_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const limit = z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(50);
const iso = z.iso.datetime({ offset: true });

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
    uetr: z.string().regex(UUID, 'a UUID').transform((u) => u.toLowerCase()).optional(),
    endToEndId: z.string().min(1).max(35).optional(),
    limit,
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => !(q.from && q.to) || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], message: 'must be after from' });
export type PaymentFilter = z.infer<typeof paymentFilterSchema>;

/** `GET /ops/api/audit`. */
export const auditQuerySchema = z.strictObject({
  operatorId: z.uuid().optional(),
  action: z.string().regex(/^[a-z][a-z_.]{0,63}$/, 'an action name or its prefix').optional(),
  target: z.string().min(1).max(64).optional(),
  limit,
  cursor: z.string().regex(/^[1-9][0-9]{0,18}$/, 'a cursor this API issued').optional(),
});

/** `GET /ops/api/blocks`. */
export const blocksQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(25),
  before: z.string().regex(/^[1-9][0-9]{0,15}$/, 'a block height').optional(),
});

/** The keyset position of a payment in the newest-first list: its creation time (with microseconds) and UETR. */
export interface PaymentCursor {
  createdAt: string;
  uetr: string;
}

export function encodePaymentCursor(c: PaymentCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.uetr]), 'utf8').toString('base64url');
}

export function decodePaymentCursor(cursor: string): PaymentCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error('shape');
    const [createdAt, uetr] = parsed as unknown[];
    if (typeof createdAt !== 'string' || !MICRO_ISO.test(createdAt) || typeof uetr !== 'string' || !UUID.test(uetr)) throw new Error('fields');
    return { createdAt, uetr: uetr.toLowerCase() };
  } catch {
    throw opsProblem('validation_failed', 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
  }
}

export function isUetr(value: string): boolean {
  return UUID.test(value);
}
