import {
  ExceptionTimelineStatus,
  PaymentStatus,
  RECALL_REASONS,
  RECALL_REJECT_REASONS,
  RETURN_FOLLOWING_RECALL,
  RETURN_REASONS,
  conditionHashSchema,
  currencySchema,
  pageLimitSchema,
  participantIdSchema,
  preimageSchema,
  quoteRequestSchema,
  timestampParamSchema,
} from '@nostro/shared';
import { z } from 'zod';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';

/**
 * Request schemas of the public API (API.md). They validate every request and are also what the OpenAPI document
 * at /v1/openapi.json is generated from, so the contract and the checks cannot drift apart.
 */

/** Text a person typed: no control characters (a line break in a name breaks every downstream format). */
const text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const party = z.strictObject({ name: text(1, 140), account: text(1, 34) });

/** API.md "Liquidity queue": how long a payment may wait for its debtor's funds, in whole seconds (1 s to 24 h). */
export const QUEUE_FOR_S_MAX = 86_400;

/**
 * API.md "Liquidity queue": short of funds, reject at once (the default) or wait in the debtor account's queue for
 * `queueFor` seconds. `queue` needs `queueFor`; `reject` takes none.
 */
export const liquiditySchema = z
  .strictObject({
    onShortfall: z.enum(['reject', 'queue']),
    queueFor: z.number().int().min(1).max(QUEUE_FOR_S_MAX).optional().describe('seconds in the queue at most, 1..86400; required with "queue"'),
  })
  .superRefine((l, ctx) => {
    if (l.onShortfall === 'queue' && l.queueFor === undefined)
      ctx.addIssue({ code: 'custom', path: ['queueFor'], message: 'required when onShortfall is "queue"' });
    if (l.onShortfall === 'reject' && l.queueFor !== undefined) ctx.addIssue({ code: 'custom', path: ['queueFor'], message: 'only "queue" waits' });
  });
export type Liquidity = z.infer<typeof liquiditySchema>;

/** API.md "Conditional payments": how far ahead a condition may expire, at most (30 days). */
export const CONDITION_TTL_MS_MAX = 30 * 86_400_000;

/**
 * API.md "Conditional payments": hold the funds in escrow until the preimage of `hash` (SHA-256, lower-case hex) is
 * given, or `expiresAt` (RFC 3339, judged by block time) passes. It must lie in the future when the payment is
 * accepted, and at most {@link CONDITION_TTL_MS_MAX} ahead: an escrow locks the debtor's funds and the desk's FX.
 */
export const conditionSchema = z
  .strictObject({
    type: z.literal('sha256'),
    hash: conditionHashSchema.describe('SHA-256 of the preimage, 64 lower-case hex digits'),
    expiresAt: z.iso.datetime({ offset: true }).describe('RFC 3339; in the future and at most 30 days ahead; judged by block time'),
  })
  .superRefine((c, ctx) => {
    const at = Date.parse(c.expiresAt);
    const now = Date.now();
    if (!Number.isFinite(at)) return;
    if (at <= now) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must lie in the future' });
    else if (at - now > CONDITION_TTL_MS_MAX) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must lie at most 30 days ahead' });
  });
export type Condition = z.infer<typeof conditionSchema>;

/** API.md `POST /v1/payments`. */
export const paymentRequestSchema = z.strictObject({
  quoteId: z.string().min(1).max(64),
  endToEndId: text(1, 35),
  debtor: party,
  creditor: party,
  remittanceInfo: text(0, 140).optional(),
  liquidity: liquiditySchema.optional(),
  condition: conditionSchema.optional(),
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

export const BATCH_ITEMS_MAX = 1_000;

/** API.md `POST /v1/payments/batch`: the items are validated one by one, each getting its own result. */
export const paymentBatchSchema = z.strictObject({
  payments: z.array(z.unknown()).min(1).max(BATCH_ITEMS_MAX),
});
/** For the OpenAPI document: what each item must be. */
export const paymentBatchDocSchema = z.strictObject({ payments: z.array(paymentRequestSchema).min(1).max(BATCH_ITEMS_MAX) });

/** API.md `POST /v1/quotes/batch`. */
export const quoteBatchSchema = z.strictObject({
  quotes: z.array(z.unknown()).min(1).max(BATCH_ITEMS_MAX),
});
export const quoteBatchDocSchema = z.strictObject({ quotes: z.array(quoteRequestSchema).min(1).max(BATCH_ITEMS_MAX) });

export const publicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'raw 32-byte Ed25519 public key, base64url without padding');
export const keyIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'key id: 1-64 of A-Z a-z 0-9 . _ : -');
const webhookUrl = z.url({ protocol: /^https?$/ }).max(2_000);

export const createParticipantSchema = z.strictObject({
  id: participantIdSchema,
  name: text(1, 140),
  currencies: z
    .array(currencySchema)
    .min(1)
    .max(50)
    .refine((list) => new Set(list).size === list.length, 'each currency at most once'),
  publicKey: publicKeySchema,
  webhookUrl: webhookUrl.optional(),
});

export const updateParticipantSchema = z.strictObject({
  name: text(1, 140).optional(),
  webhookUrl: webhookUrl.nullable().optional(),
});

export const addKeySchema = z.strictObject({ keyId: keyIdSchema, publicKey: publicKeySchema });

export const transferSchema = z.strictObject({
  currency: currencySchema,
  amount: z.string(),
  reference: text(1, 140),
});

export const createOperatorSchema = z.strictObject({
  name: text(1, 100),
  role: z.enum(['viewer', 'approver', 'admin']),
});

/** Per-participant screening limits in one currency (the debit currency of the payments they bound). */
export const screeningLimitsSchema = z.strictObject({
  currency: currencySchema,
  /** Largest total debit of one payment; null = none. */
  maxAmount: z.string().nullable(),
  /** At most `count` payments and `amount` in total per `windowSeconds`; null = no velocity limit. */
  velocity: z
    .strictObject({
      count: z.number().int().min(1).max(10_000_000).nullable(),
      amount: z.string().nullable(),
      windowSeconds: z.number().int().min(1).max(604_800),
    })
    .nullable(),
});

/** Every payment status (libs/shared), so a new one reaches the API's checks and document at once. */
export const paymentStatusSchema = z.enum(Object.values(PaymentStatus) as [PaymentStatus, ...PaymentStatus[]]);
const statusSchema = paymentStatusSchema;
/** A timeline entry: a payment status, or a step of its recall or returns. */
const timelineStatusSchema = z.enum([...statusSchema.options, ...Object.values(ExceptionTimelineStatus)]);

/** A return amount: major units in the payment's target currency, checked against its minor-unit digits later. */
const amountText = z.string().regex(/^(0|[1-9][0-9]{0,20})(\.[0-9]{1,3})?$/, 'a decimal amount string in major units');

/** API.md `POST /v1/payments/{uetr}/cancel`. */
export const cancelRequestSchema = z.strictObject({ reason: text(1, 140).optional() });

/** API.md `POST /v1/payments/{uetr}/recall`: an ISO 20022 cancellation reason. */
export const recallRequestSchema = z.strictObject({ reason: z.enum(RECALL_REASONS), comment: text(1, 500).optional() });

/** API.md `POST /v1/incoming-payments/{uetr}/recall/response`: reject needs an ISO investigation reason. */
export const recallResponseRequestSchema = z
  .strictObject({ decision: z.enum(['accept', 'reject']), reason: z.enum(RECALL_REJECT_REASONS).optional(), amount: amountText.optional() })
  .superRefine((body, ctx) => {
    if (body.decision === 'reject' && body.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason' });
    if (body.decision === 'reject' && body.amount !== undefined)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'only an acceptance returns an amount' });
    if (body.decision === 'accept' && body.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only a rejection gives a reason' });
  });

/** API.md `POST /v1/incoming-payments/{uetr}/return`: an ISO 20022 return reason; `amount` defaults to all that is left. */
export const returnRequestSchema = z.strictObject({ reason: z.enum(RETURN_REASONS), amount: amountText.optional() });

/** API.md `POST /v1/incoming-payments/{uetr}/fulfil`: the condition's preimage, base64url without padding. */
export const fulfilRequestSchema = z.strictObject({
  preimage: preimageSchema.describe('the bytes whose SHA-256 is the condition’s hash, base64url without padding, at most 256 characters'),
});

export const listQuerySchema = z.strictObject({
  status: statusSchema.optional(),
  since: timestampParamSchema.optional(),
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

export const pageQuerySchema = z.strictObject({
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

export const hitsQuerySchema = pageQuerySchema.extend({ participant: participantIdSchema.optional() });

export const deliveriesQuerySchema = pageQuerySchema.extend({
  participant: participantIdSchema.optional(),
  status: z.enum(['pending', 'delivered', 'abandoned']).optional(),
  uetr: z.uuid().optional(),
});

export const uetrSchema = z.uuid();

// ---- Response shapes (documentation only: the OpenAPI document describes them) ----

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const amount = z.string().describe('decimal string in major units with exactly the currency minor-unit digits');
const fee = z.object({ type: z.string(), amount, currency: z.string() });

export const quoteSchema = z.object({
  id: z.string(),
  creditorParticipant: z.string(),
  sourceCurrency: z.string(),
  targetCurrency: z.string(),
  midRate: z.string(),
  rate: z.string(),
  markupBps: z.string(),
  sendAmount: amount,
  receiveAmount: amount,
  fees: z.array(fee),
  totalDebit: amount,
  createdAt: z.string(),
  expiresAt: z.string(),
  signature: z.string(),
  batch: z
    .object({ size: z.number().int(), index: z.number().int(), siblings: z.array(z.string()) })
    .optional()
    .describe('quotes fx-quote signed together: `signature` covers the Merkle root of their texts, this is the audit path (docs/fx-quote.md)'),
});

export const quoteBatchResultSchema = z.object({ results: z.array(z.union([quoteSchema, z.object({ problem: problemSchema })])) });

export const returnSchema = z.object({
  returnId: z.uuid(),
  status: z.enum(['RECEIVED', 'SETTLED', 'REJECTED']),
  amount: amount.describe('target currency, given back by the creditor'),
  currency: z.string(),
  sourceAmount: amount.describe('source currency, paid back to the debtor at the original rate, rounded down'),
  sourceCurrency: z.string(),
  reason: z.enum([...RETURN_REASONS, RETURN_FOLLOWING_RECALL]),
  rejectReason: z.string().optional().describe('why the ledger rejected it, e.g. insufficient_funds'),
  recallId: z.uuid().optional(),
  block: z.object({ height: z.number().int(), hash: z.string() }).optional(),
});

export const recallSchema = z.object({
  recallId: z.uuid(),
  status: z.enum(['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED']),
  reason: z.enum(RECALL_REASONS),
  comment: z.string().optional(),
  respondBy: z.string(),
  resolution: z.object({ reason: z.string().optional(), returnId: z.uuid().optional(), at: z.string() }).optional(),
});

const party$ = z.object({ name: z.string(), account: z.string() });
const erased$ = z.object({ erased: z.literal(true) });
export const paymentSchema = z.object({
  uetr: z.uuid(),
  status: statusSchema,
  reason: z.string().optional(),
  queuedUntil: z.string().optional().describe('QUEUED: when (block time, RFC 3339) the ledger rejects it with queue_timeout if still short of funds'),
  condition: z
    .object({ type: z.literal('sha256'), hash: z.string(), expiresAt: z.string() })
    .optional()
    .describe('a conditional payment’s hash-lock (API.md "Conditional payments")'),
  reservedUntil: z.string().optional().describe('RESERVED: when (block time, RFC 3339) the escrow goes back to the debtor unless fulfilled before'),
  endToEndId: z.string(),
  debtorParticipant: z.string(),
  creditorParticipant: z.string(),
  quote: z.object({
    id: z.string(),
    sourceCurrency: z.string(),
    targetCurrency: z.string(),
    midRate: z.string(),
    rate: z.string(),
    markupBps: z.string(),
    fees: z.array(fee),
    expiresAt: z.string(),
  }),
  sourceCurrency: z.string(),
  targetCurrency: z.string(),
  sendAmount: amount,
  receiveAmount: amount,
  totalDebit: amount,
  createdAt: z.string(),
  timeline: z.array(z.object({ status: timelineStatusSchema, at: z.string(), reason: z.string().optional() })),
  block: z.object({ height: z.number().int(), hash: z.string() }).optional(),
  returnedAmount: amount.describe('target currency: what settled returns gave back'),
  returns: z.array(returnSchema),
  recall: recallSchema.optional(),
  debtor: z.union([party$, erased$]).optional().describe('incoming payments only; { erased: true } once the customer data was erased'),
  creditor: z.union([party$, erased$]).optional().describe('incoming payments only; { erased: true } once the customer data was erased'),
  remittanceInfo: z.string().optional(),
  customerDataErasedAt: z.string().optional().describe('when the customer data was erased (crypto-shredding)'),
});

export const cancelledSchema = z.object({ uetr: z.uuid(), status: z.literal('CANCELLED') });
export const fulfilAcceptedSchema = z.object({
  uetr: z.uuid(),
  status: z.literal('RESERVED').describe('the payment stays RESERVED until the block that carries the fulfilment is final'),
});
export const recallAcceptedSchema = z.object({
  recallId: z.uuid(),
  uetr: z.uuid(),
  status: z.literal('PENDING'),
  reason: z.enum(RECALL_REASONS),
  respondBy: z.string(),
});
export const recallAnswerSchema = z.object({ recallId: z.uuid(), status: z.enum(['ACCEPTED', 'REJECTED']), returnId: z.uuid().optional() });
export const returnAcceptedSchema = returnSchema.extend({ uetr: z.uuid() });

export const paymentBatchResultSchema = z.object({
  results: z.array(z.union([z.object({ uetr: z.uuid(), status: statusSchema, reason: z.string().optional() }), z.object({ problem: problemSchema })])),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const finalitySchema = z.object({
  block: z.object({
    height: z.number().int(),
    prevHash: z.string(),
    merkleRoot: z.string(),
    stateDigest: z.string(),
    txCount: z.number().int(),
    timestamp: z.number().int(),
    hash: z.string(),
  }),
  signatures: z.array(z.object({ validator: z.string(), signature: z.string() })),
  quorum: z.number().int(),
  transaction: z.record(z.string(), z.unknown()),
  proof: z.object({ leafIndex: z.number().int(), leafHash: z.string(), siblings: z.array(z.string()) }),
});

export const accountsSchema = z.object({
  height: z.number().int(),
  data: z.array(
    z.object({
      currency: z.string(),
      balance: amount,
      available: amount,
      queued: amount.describe('the total debit of the payments waiting in this account’s liquidity queue (API.md "Liquidity queue")'),
    }),
  ),
});

export const entrySchema = z.object({
  entryId: z.string().describe('<height>-<transaction index>-<posting index>: the entry’s place on the chain'),
  height: z.number().int(),
  at: z.string().describe('the block’s time'),
  kind: z.enum(['payment', 'return', 'deposit', 'withdrawal', 'fee']),
  direction: z.enum(['debit', 'credit']),
  amount,
  balanceAfter: amount.describe('the running balance after this entry, in block order'),
  uetr: z.uuid().optional(),
  returnId: z.uuid().optional(),
  endToEndId: z.string().optional(),
  counterparty: z.string().optional().describe('the other participant (EXTERNAL for deposits and withdrawals)'),
  reference: z.string().optional().describe('a deposit’s or withdrawal’s reference'),
});

export const statementSchema = z.object({
  account: z.string(),
  currency: z.string(),
  fromHeight: z.number().int(),
  toHeight: z.number().int(),
  from: z.string(),
  to: z.string(),
  openingBalance: amount,
  closingBalance: amount.describe('the ledger balance at toHeight'),
  totalDebits: amount,
  totalCredits: amount,
  entryCount: z.number().int(),
  interim: z.boolean().describe('true while the period is not over (today, or up to the last final block)'),
  entries: z.array(entrySchema),
});

export const keysSchema = z.object({
  network: z.object({ keyid: z.literal('nostro'), publicKey: z.string() }),
  validators: z.array(z.object({ id: z.string(), publicKey: z.string() })),
  quorum: z.number().int(),
});

export const webhookEventSchema = z.object({
  id: z.uuid(),
  type: z.enum([
    'payment.settled',
    'payment.rejected',
    'payment.held',
    'payment.queued',
    'payment.reserved',
    'payment.received',
    'payment.cancelled',
    'payment.recall_requested',
    'payment.recall_resolved',
    'payment.returned',
    'return.settled',
    'return.rejected',
  ]),
  occurredAt: z.string(),
  data: z.object({
    payment: paymentSchema,
    finality: finalitySchema
      .optional()
      .describe("payment.received: the payment's proof (of a conditional payment, its fulfilment's); payment.returned: the return's proof"),
    return: returnSchema.optional().describe('payment.returned, return.settled, return.rejected'),
    recall: recallSchema.optional().describe('payment.recall_requested, payment.recall_resolved'),
  }),
});

export const participantSchema = z.object({
  id: z.string(),
  name: z.string(),
  currencies: z.array(z.string()),
  webhookUrl: z.string().nullable(),
  status: z.enum(['active', 'suspended']),
});

export const keySchema = z.object({
  keyId: z.string(),
  participant: z.string(),
  publicKey: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const operatorSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(['viewer', 'approver', 'admin']),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export const createdOperatorSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.string(),
  token: z.string().nullable().describe('shown once: null when a retry with the same Idempotency-Key replays the answer (never stored)'),
});

export const transferResultSchema = z.object({
  requestId: z.uuid(),
  type: z.enum(['deposit', 'withdrawal']),
  participant: z.string(),
  currency: z.string(),
  amount,
  reference: z.string(),
  status: z.enum(['SUBMITTED', 'SETTLED']),
  block: z.object({ height: z.number().int(), hash: z.string() }).optional(),
  balance: amount.nullable().optional(),
});

export const screeningLimitsViewSchema = z.object({
  participant: z.string(),
  currency: z.string(),
  maxAmount: amount.nullable(),
  velocity: z.object({ count: z.number().int().nullable(), amount: amount.nullable(), windowSeconds: z.number().int() }).nullable(),
  updatedAt: z.string(),
});

export const screeningHitSchema = z.object({
  id: z.uuid(),
  uetr: z.uuid().nullable(),
  participant: z.string(),
  action: z.enum(['reject', 'hold']),
  reason: z.string(),
  matched: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const screeningStatusSchema = z.object({
  configured: z.boolean(),
  file: z.string().nullable(),
  entries: z.number().int(),
  version: z.string().nullable(),
  sha256: z.string().nullable(),
  loadedAt: z.string().nullable(),
});

export const deliverySchema = z.object({
  id: z.uuid(),
  participant: z.string(),
  type: z.string(),
  uetr: z.uuid().nullable(),
  status: z.enum(['pending', 'delivered', 'abandoned']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

export const endpointHealthSchema = z.object({
  participant: z.string(),
  webhookUrl: z.string().nullable(),
  state: z.enum(['healthy', 'failing']),
  pending: z.number().int(),
  abandoned: z.number().int(),
  oldestPendingAt: z.string().nullable(),
  maxAttempts: z.number().int(),
  lastError: z.string().nullable(),
  lastDeliveredAt: z.string().nullable(),
});
