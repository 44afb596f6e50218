import { z } from 'zod';
import { isCurrencyCode } from '../money/currency';
import { RECALL_REASONS, RECALL_REJECT_REASONS, RETURN_REASONS } from '../payment/exception-codes';

/** Participant ids are BIC-like: 4–11 upper-case letters and digits (BANKUS33, FXDESK). */
export const participantIdSchema = z.string().regex(/^[A-Z0-9]{4,11}$/, 'participant id must be 4-11 of A-Z, 0-9');
export const currencySchema = z.string().refine((value): boolean => isCurrencyCode(value), 'not an ISO 4217 currency code');
/** Minor units as a decimal integer string (signed where a posting needs it). */
export const minorSchema = z.string().regex(/^-?(0|[1-9][0-9]{0,37})$/, 'minor units as an integer string');
export const uuidSchema = z.uuid();
/** Ledger account id: `<participant>:<currency>`. */
export const accountIdSchema = z.string().regex(/^[A-Z0-9]{4,11}:[A-Z]{3}$/, 'account id <participant>:<currency>');

/** How long a payment may wait in the liquidity queue: 1 s to 24 h, in ms (API.md `queueFor`, in seconds). */
export const queueForMsSchema = z.number().int().min(1_000).max(86_400_000);

/** A SHA-256 hash-lock (API.md "Conditional payments"): lower-case hex. */
export const conditionHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash as 64 lower-case hex digits');
/** A fulfilment's preimage, base64url (32 bytes is usual; at most 256 characters). */
export const preimageSchema = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'base64url');

export const feeSchema = z.strictObject({ type: z.string(), amount: z.string(), currency: currencySchema });

/**
 * Quotes under one fx-quote signature at most (docs/fx-quote.md, "Signatures of quotes issued together"): every quote
 * carries its audit path wherever it travels and is stored, so groups stay small (8 quotes: a path of 3 hashes).
 */
export const QUOTE_SIGNATURE_GROUP_MAX = 8;

/** Where a quote signed with others sits in their tree: its leaf index, their number and its RFC 6962 audit path. */
export const quoteBatchProofSchema = z.strictObject({
  size: z.number().int().min(2).max(QUOTE_SIGNATURE_GROUP_MAX),
  index: z
    .number()
    .int()
    .min(0)
    .max(QUOTE_SIGNATURE_GROUP_MAX - 1),
  siblings: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash as 64 lower-case hex digits')).max(Math.ceil(Math.log2(QUOTE_SIGNATURE_GROUP_MAX))),
});
export type QuoteBatchProof = z.infer<typeof quoteBatchProofSchema>;

/** A quote as fx-quote signs it (API.md "Quotes" plus who asked for it). */
export const signedQuoteSchema = z.strictObject({
  id: z.string().min(1).max(64),
  participant: participantIdSchema,
  creditorParticipant: participantIdSchema,
  sourceCurrency: currencySchema,
  targetCurrency: currencySchema,
  midRate: z.string(),
  rate: z.string(),
  markupBps: z.string(),
  sendAmount: z.string(),
  receiveAmount: z.string(),
  fees: z.array(feeSchema).max(16),
  totalDebit: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  signature: z.string(),
  /** Present when `signature` covers a tree of quotes signed together rather than this quote alone. */
  batch: quoteBatchProofSchema.optional(),
});
export type SignedQuote = z.infer<typeof signedQuoteSchema>;

// ---- settlement.requests (gateway → settlement) ----
export const paymentIntentSchema = z.strictObject({
  kind: z.literal('payment.intent'),
  id: uuidSchema,
  uetr: uuidSchema,
  participant: participantIdSchema,
  quote: signedQuoteSchema,
  acceptedAt: z.number().int().positive(),
  /** Set by the gateway's screening: settlement puts the payment in HELD for operators instead of submitting it. */
  screening: z.strictObject({ action: z.literal('hold'), reason: z.string().min(1).max(500) }).optional(),
  /** API.md "Conditional payments": hold the funds in escrow until the preimage of `hash` arrives, or `expiresAt` (Unix ms) passes. */
  condition: z.strictObject({ type: z.literal('sha256'), hash: conditionHashSchema, expiresAt: z.number().int().positive() }).optional(),
  /** API.md "Liquidity queue": short of funds, wait in the debtor account's queue this long instead of being rejected. */
  liquidity: z.strictObject({ onShortfall: z.literal('queue'), queueForMs: queueForMsSchema }).optional(),
});
export type PaymentIntentMessage = z.infer<typeof paymentIntentSchema>;

export const transferRequestSchema = z.strictObject({
  kind: z.literal('transfer.request'),
  id: uuidSchema,
  requestId: uuidSchema,
  type: z.enum(['deposit', 'withdrawal']),
  participant: participantIdSchema,
  currency: currencySchema,
  amountMinor: minorSchema,
  reference: z.string().max(140),
});
export type TransferRequestMessage = z.infer<typeof transferRequestSchema>;

export const participantConfigSchema = z.strictObject({
  kind: z.literal('participant.config'),
  id: uuidSchema,
  requestId: uuidSchema,
  participant: participantIdSchema,
  currencies: z.array(currencySchema).min(1).max(200),
  suspended: z.boolean().optional(),
});
export type ParticipantConfigMessage = z.infer<typeof participantConfigSchema>;

/** Minor units that are never negative (limits, thresholds). */
const nonNegativeMinorSchema = z.string().regex(/^(0|[1-9][0-9]{0,37})$/, 'non-negative minor units as an integer string');

/** `PUT /v1/admin/participants/{id}/limits`: the cap goes to the ledger (set_limits), the threshold stays in settlement. */
export const limitsSetSchema = z.strictObject({
  kind: z.literal('limits.set'),
  id: uuidSchema,
  requestId: uuidSchema,
  participant: participantIdSchema,
  currency: currencySchema,
  /** How far below zero the participant's account may go, in minor units. */
  netDebitCapMinor: nonNegativeMinorSchema,
  /** Payments debiting more than this (minor units of the source currency) are held for approval; null = never. */
  holdAboveMinor: nonNegativeMinorSchema.nullable(),
});
export type LimitsSetMessage = z.infer<typeof limitsSetSchema>;

/** `POST /v1/admin/payments/{uetr}/decisions`: one operator's approval or rejection of a held payment. */
export const paymentDecisionSchema = z.strictObject({
  kind: z.literal('payment.decision'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  decision: z.enum(['approve', 'reject']),
  operator: z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(100) }),
  comment: z.string().max(500).optional(),
  /** When the operator decided, Unix ms. */
  at: z.number().int().positive(),
});
export type PaymentDecisionMessage = z.infer<typeof paymentDecisionSchema>;

/** Positive minor units (a return's amount). */
const positiveMinorSchema = z.string().regex(/^[1-9][0-9]{0,37}$/, 'positive minor units as an integer string');

/**
 * The way back (API.md "Cancel, recall, return"). Each is decided by settlement in order with the payment's other
 * events, under the payment's row lock, and answered with a `request.status` (SETTLED = done, REJECTED = refused with
 * an ExceptionRefusal code). `requestId` is the gateway's idempotent resource id: the recall's id for a recall, the
 * return's id for a return and for a recall's acceptance.
 */
export const paymentCancelSchema = z.strictObject({
  kind: z.literal('payment.cancel'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  /** The debtor bank asking (for an operator's cancel, the payment's debtor bank on whose behalf it acts). */
  participant: participantIdSchema,
  reason: z.string().max(140).optional(),
  /** An operator's cancel (a queued payment, API.md "Liquidity queue"): who. */
  operator: z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(100) }).optional(),
  at: z.number().int().positive(),
});
export type PaymentCancelMessage = z.infer<typeof paymentCancelSchema>;

export const paymentRecallSchema = z.strictObject({
  kind: z.literal('payment.recall'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  /** The debtor bank asking. */
  participant: participantIdSchema,
  reason: z.enum(RECALL_REASONS),
  /** The debtor bank's note, sealed by the gateway with the payment's data key (`pii1:…`, docs/security.md): passed on unread. */
  comment: z.string().max(4096).optional(),
  at: z.number().int().positive(),
});
export type PaymentRecallMessage = z.infer<typeof paymentRecallSchema>;

export const recallResponseSchema = z.strictObject({
  kind: z.literal('recall.response'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  /** The creditor bank answering. */
  participant: participantIdSchema,
  decision: z.enum(['accept', 'reject']),
  reason: z.enum(RECALL_REJECT_REASONS).optional(),
  /** Part of the receive amount to return (target currency); all that is left when absent. */
  amountMinor: positiveMinorSchema.optional(),
  at: z.number().int().positive(),
});
export type RecallResponseMessage = z.infer<typeof recallResponseSchema>;

export const paymentReturnSchema = z.strictObject({
  kind: z.literal('payment.return'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  /** The creditor bank giving the money back. */
  participant: participantIdSchema,
  reason: z.enum(RETURN_REASONS),
  amountMinor: positiveMinorSchema.optional(),
  at: z.number().int().positive(),
});
export type PaymentReturnMessage = z.infer<typeof paymentReturnSchema>;

/** `POST /v1/incoming-payments/{uetr}/fulfil`: the creditor bank releases an escrowed payment with the condition's preimage. */
export const paymentFulfilSchema = z.strictObject({
  kind: z.literal('payment.fulfil'),
  id: uuidSchema,
  requestId: uuidSchema,
  uetr: uuidSchema,
  /** The creditor bank fulfilling. */
  participant: participantIdSchema,
  preimage: preimageSchema,
  at: z.number().int().positive(),
});
export type PaymentFulfilMessage = z.infer<typeof paymentFulfilSchema>;

export const settlementRequestSchema = z.discriminatedUnion('kind', [
  paymentIntentSchema,
  transferRequestSchema,
  participantConfigSchema,
  limitsSetSchema,
  paymentDecisionSchema,
  paymentCancelSchema,
  paymentRecallSchema,
  recallResponseSchema,
  paymentReturnSchema,
  paymentFulfilSchema,
]);
export type SettlementRequest = z.infer<typeof settlementRequestSchema>;

// ---- ledger.tx (settlement and validators → validators) ----
export const postingSchema = z.strictObject({ account: accountIdSchema, currency: currencySchema, amount: minorSchema });
export type Posting = z.infer<typeof postingSchema>;

export const ledgerTransferSchema = z.strictObject({
  kind: z.literal('transfer'),
  id: uuidSchema,
  uetr: uuidSchema.optional(),
  /** A return of the payment `uetr`: its id (the transaction's id too), hashed into the leaf. */
  returnId: uuidSchema.optional(),
  postings: z.array(postingSchema).min(2).max(64),
  /** Unix ms; the ledger refuses the transaction if the broker timestamp is later. */
  notAfter: z.number().int().positive().optional(),
  /**
   * Short of funds, wait in the debtor account's liquidity queue this long (ms, counted from the time of the block in
   * which it was queued) instead of being rejected (docs/ledger.md, "Liquidity queue").
   */
  queueForMs: queueForMsSchema.optional(),
  /**
   * A conditional payment (docs/ledger.md, "Escrow"): `postings` reserve the funds into ESCROW accounts; `fulfil`
   * pays them out once the preimage of `hash` arrives in a block before `expiresAt`, `refund` gives them back when
   * block time reaches `expiresAt`. Both must take out of each ESCROW account exactly what `postings` put in.
   */
  condition: z
    .strictObject({
      hash: conditionHashSchema,
      expiresAt: z.number().int().positive(),
      fulfil: z.array(postingSchema).min(2).max(64),
      refund: z.array(postingSchema).min(2).max(64),
    })
    .optional(),
});
export type LedgerTransfer = z.infer<typeof ledgerTransferSchema>;

export const accountSpecSchema = z.strictObject({
  account: accountIdSchema,
  /** How far below zero the account may go, in minor units; null = unlimited (EXTERNAL only). */
  netDebitCap: minorSchema.nullable(),
});

export const ledgerConfigSchema = z.strictObject({
  kind: z.literal('config'),
  id: z.string().min(1).max(100),
  op: z.enum(['open_accounts', 'set_limits', 'suspend', 'resume']),
  accounts: z.array(accountSpecSchema).max(1000).default([]),
  participant: participantIdSchema.optional(),
});
export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;

export const cutMarkerSchema = z.strictObject({
  kind: z.literal('cut'),
  height: z.number().int().positive(),
  validator: z.string(),
});
export type CutMarker = z.infer<typeof cutMarkerSchema>;

/**
 * Takes a transfer out of the liquidity queue (a cancel by its debtor bank or an operator): recorded as rejected
 * (`cancelled`) in the block that carries this entry, if it is still waiting there; otherwise nothing happens.
 */
export const ledgerDequeueSchema = z.strictObject({
  kind: z.literal('dequeue'),
  id: uuidSchema,
  /** The queued transfer's id. */
  txId: uuidSchema,
});
export type LedgerDequeue = z.infer<typeof ledgerDequeueSchema>;

/** Releases an escrowed transfer with the preimage of its condition (decided when the block that carries it closes). */
export const ledgerFulfilSchema = z.strictObject({
  kind: z.literal('fulfil'),
  id: uuidSchema,
  /** The escrowed transfer's id. */
  txId: uuidSchema,
  preimage: preimageSchema,
});
export type LedgerFulfil = z.infer<typeof ledgerFulfilSchema>;

export const ledgerEntrySchema = z.discriminatedUnion('kind', [
  ledgerTransferSchema,
  ledgerConfigSchema,
  cutMarkerSchema,
  ledgerDequeueSchema,
  ledgerFulfilSchema,
]);
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

// ---- ledger.signatures and ledger.finality ----
export const blockHeaderSchema = z.strictObject({
  height: z.number().int().positive(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  merkleRoot: z.string().regex(/^[0-9a-f]{64}$/),
  stateDigest: z.string().regex(/^[0-9a-f]{64}$/),
  txCount: z.number().int().nonnegative(),
  timestamp: z.number().int().nonnegative(),
});
export type BlockHeaderMessage = z.infer<typeof blockHeaderSchema>;

export const blockSignatureSchema = z.strictObject({
  validator: z.string(),
  height: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  signature: z.string(),
});
export type BlockSignatureMessage = z.infer<typeof blockSignatureSchema>;

export const outcomeSchema = z.union([
  z.strictObject({ status: z.literal('accepted') }),
  z.strictObject({ status: z.literal('rejected'), reason: z.string() }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

export const finalitySchema = z.strictObject({
  block: blockHeaderSchema.extend({ hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  signatures: z
    .array(z.strictObject({ validator: z.string(), signature: z.string() }))
    .min(1)
    .max(100),
  quorum: z.number().int().positive(),
  transactions: z
    .array(
      z.strictObject({
        id: z.string(),
        uetr: z.string().optional(),
        returnId: z.string().optional(),
        kind: z.string(),
        outcome: outcomeSchema,
        /** An escrow's step: its reservation, its fulfilment or its expiry (the refund), with the escrowed transfer's id. */
        escrow: z.strictObject({ step: z.enum(['reserve', 'fulfil', 'expiry']), of: z.string(), expiresAt: z.number().int().optional() }).optional(),
      }),
    )
    .max(100_000),
  /** Transfers this block put in the liquidity queue, each with the block time at which it times out. */
  queued: z
    .array(z.strictObject({ id: z.string(), uetr: z.string().optional(), account: z.string(), expiresAt: z.number().int().nonnegative() }))
    .max(100_000)
    .optional(),
});
export type FinalityMessage = z.infer<typeof finalitySchema>;

// ---- ledger.notices.<participant> (validators → that participant) ----
const hexHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A recorded transaction exactly as hashed into the block's Merkle tree (the leaf of docs/ledger.md): no defaults
 * and no transforms, so the parsed object hashes to the same bytes as the one the validator sent.
 */
export const noticeLeafSchema = z.strictObject({
  id: z.string().min(1).max(100),
  kind: z.enum(['transfer', 'config']),
  uetr: uuidSchema.optional(),
  returnId: uuidSchema.optional(),
  postings: z.array(postingSchema).min(2).max(64).optional(),
  op: z.enum(['open_accounts', 'set_limits', 'suspend', 'resume']).optional(),
  accounts: z.array(accountSpecSchema).max(1000).optional(),
  participant: participantIdSchema.optional(),
  outcome: outcomeSchema,
  condition: z.strictObject({ hash: z.string(), expiresAt: z.number().int(), fulfil: z.array(postingSchema), refund: z.array(postingSchema) }).optional(),
  escrow: z.strictObject({ of: z.string(), step: z.enum(['fulfil', 'expiry']), preimage: z.string().optional() }).optional(),
});

/** RFC 6962 audit path of one leaf (API.md "Finality proof": `proof`). */
export const inclusionProofSchema = z.strictObject({
  leafIndex: z.number().int().nonnegative(),
  leafHash: hexHashSchema,
  siblings: z.array(hexHashSchema).max(64),
});

/**
 * One participant's finality notice for one final block: the header, the quorum signatures, and each of the
 * participant's transactions in the block with its inclusion proof. `{ block, signatures, quorum, transaction,
 * proof }` for any entry is a finality proof of API.md, which the SDK's `verifyFinalityProof` checks offline.
 * Every validator publishes its own copy (`validator`); a participant with more transactions in a block than fit
 * one message gets `parts` notices. Consumers de-duplicate by (block.height, block.hash, part).
 */
export const finalityNoticeSchema = z
  .strictObject({
    kind: z.literal('finality.notice'),
    participant: participantIdSchema,
    /** The validator that published this copy. */
    validator: z.string().min(1).max(32),
    block: finalitySchema.shape.block,
    signatures: finalitySchema.shape.signatures,
    quorum: z.number().int().positive(),
    part: z.number().int().positive(),
    parts: z.number().int().positive(),
    transactions: z
      .array(z.strictObject({ transaction: noticeLeafSchema, proof: inclusionProofSchema }))
      .min(1)
      .max(20_000),
  })
  .refine((n) => n.part <= n.parts, { path: ['part'], message: 'part beyond parts' });
export type FinalityNoticeMessage = z.infer<typeof finalityNoticeSchema>;

// ---- settlement.events (settlement → gateway) ----
export const paymentStatusEventSchema = z.strictObject({
  kind: z.literal('payment.status'),
  id: uuidSchema,
  uetr: uuidSchema,
  participant: participantIdSchema,
  status: z.enum(['RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED', 'SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED']),
  reason: z.string().optional(),
  at: z.number().int().positive(),
  block: z.strictObject({ height: z.number().int().positive(), hash: z.string() }).optional(),
  /** QUEUED: the block time (Unix ms) at which the ledger rejects it with `queue_timeout` if it still waits. */
  queuedUntil: z.number().int().positive().optional(),
  /** RESERVED: the block time (Unix ms) at which the escrow goes back to the debtor unless fulfilled before. */
  reservedUntil: z.number().int().positive().optional(),
  /** The ledger transaction that decided this status (its finality proof is the status's proof): a fulfilment's id, an expiry's id. */
  ledgerTxId: z.string().max(100).optional(),
});
export type PaymentStatusEvent = z.infer<typeof paymentStatusEventSchema>;

export const requestStatusEventSchema = z.strictObject({
  kind: z.literal('request.status'),
  id: uuidSchema,
  requestId: uuidSchema,
  status: z.enum(['SETTLED', 'REJECTED']),
  reason: z.string().optional(),
  at: z.number().int().positive(),
  block: z.strictObject({ height: z.number().int().positive(), hash: z.string() }).optional(),
});
export type RequestStatusEvent = z.infer<typeof requestStatusEventSchema>;

/** A recall's state, each time it changes (settlement → gateway read model and webhooks). */
export const recallStatusEventSchema = z.strictObject({
  kind: z.literal('recall.status'),
  id: uuidSchema,
  uetr: uuidSchema,
  recallId: uuidSchema,
  status: z.enum(['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED']),
  reason: z.enum(RECALL_REASONS),
  /** The debtor bank's note, sealed by the gateway with the payment's data key (`pii1:…`, docs/security.md): passed on unread. */
  comment: z.string().max(4096).optional(),
  /** Unix ms. */
  respondBy: z.number().int().positive(),
  /** How it ended: the creditor's reject reason, or the return an acceptance made. */
  resolution: z.strictObject({ reason: z.string().optional(), returnId: uuidSchema.optional(), at: z.number().int().positive() }).optional(),
  at: z.number().int().positive(),
});
export type RecallStatusEvent = z.infer<typeof recallStatusEventSchema>;

/** A return's state, each time it changes: RECEIVED when submitted to the ledger, then SETTLED or REJECTED. */
export const returnStatusEventSchema = z.strictObject({
  kind: z.literal('return.status'),
  id: uuidSchema,
  uetr: uuidSchema,
  returnId: uuidSchema,
  recallId: uuidSchema.optional(),
  status: z.enum(['RECEIVED', 'SETTLED', 'REJECTED']),
  /** Target currency, given back by the creditor. */
  amountMinor: minorSchema,
  currency: currencySchema,
  /** Source currency, paid back to the debtor. */
  sourceAmountMinor: minorSchema,
  sourceCurrency: currencySchema,
  reason: z.string().min(1).max(8),
  /** Why the ledger rejected it. */
  rejectReason: z.string().optional(),
  at: z.number().int().positive(),
  block: z.strictObject({ height: z.number().int().positive(), hash: z.string() }).optional(),
});
export type ReturnStatusEvent = z.infer<typeof returnStatusEventSchema>;

export const settlementEventSchema = z.discriminatedUnion('kind', [
  paymentStatusEventSchema,
  requestStatusEventSchema,
  recallStatusEventSchema,
  returnStatusEventSchema,
]);
export type SettlementEvent = z.infer<typeof settlementEventSchema>;
