import { currencySchema, pageLimitSchema, participantIdSchema } from '@nostro/shared';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import { z } from 'zod';

/** `GET /v1/admin/queues`: every non-empty liquidity queue, by account, cursor-paginated. */
export const queuesQuerySchema = z.strictObject({
  participant: participantIdSchema.optional().describe('debtor participant'),
  currency: currencySchema.optional(),
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

const amount = z.string().describe('decimal string in major units with exactly the currency minor-unit digits');

export const queueEntrySchema = z.object({
  uetr: z.uuid().nullable(),
  txId: z.string().describe('the ledger transaction id'),
  amount: amount.describe('what it debits the account (the payment’s totalDebit)'),
  arrivedAt: z.string().describe('when it was queued: the time of the block in which the ledger first found it short'),
  age: z.number().int().describe('seconds since arrivedAt'),
  queuedUntil: z.string().describe('block time at which the ledger rejects it with queue_timeout'),
  shortfall: amount.describe('what the account lacks to release the entries up to and including this one (FIFO)'),
});

export const queueSchema = z.object({
  account: z.string(),
  participant: z.string(),
  currency: z.string(),
  balance: amount,
  netDebitCap: amount,
  queued: amount.describe('the entries’ amounts summed'),
  shortfall: amount.describe('what the queue waits for: queued − (balance + netDebitCap), at least zero'),
  oldestAge: z.number().int().describe('seconds the oldest entry has waited'),
  entries: z.array(queueEntrySchema).describe('in release order (FIFO)'),
});

export const queuePageSchema = z.object({
  height: z.number().int().describe('the last block the answering validator applied (it may not be final yet)'),
  at: z.string(),
  data: z.array(queueSchema),
  nextCursor: z.string().nullable(),
});
