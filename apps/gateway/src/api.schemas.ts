import { currencySchema, participantIdSchema } from '@nostro/shared';
import { z } from 'zod';

const party = z.strictObject({ name: z.string().min(1).max(140), account: z.string().min(1).max(34) });

/** API.md `POST /v1/payments`. */
export const paymentRequestSchema = z.strictObject({
  quoteId: z.string().min(1).max(64),
  endToEndId: z.string().min(1).max(35),
  debtor: party,
  creditor: party,
  remittanceInfo: z.string().max(140).optional(),
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

const publicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'raw 32-byte Ed25519 public key, base64url without padding');

export const createParticipantSchema = z.strictObject({
  id: participantIdSchema,
  name: z.string().min(1).max(140),
  currencies: z.array(currencySchema).min(1).max(50),
  publicKey,
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export const transferSchema = z.strictObject({
  currency: currencySchema,
  amount: z.string(),
  reference: z.string().min(1).max(140),
});

export const createOperatorSchema = z.strictObject({
  name: z.string().min(1).max(100),
  role: z.enum(['viewer', 'approver', 'admin']),
});

export const listQuerySchema = z.strictObject({
  status: z.enum(['RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED', 'REJECTED']).optional(),
  since: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z.string().max(200).optional(),
});
