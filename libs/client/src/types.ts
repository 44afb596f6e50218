/**
 * Request and response bodies of the gateway API v1 (API.md). Amounts are decimal strings in major
 * units with exactly the currency's minor-unit digits; integers are numbers; times are ISO 8601 strings
 * except block timestamps (Unix milliseconds).
 */
import type { StatusReport } from '@nostro/iso20022';
import type { FinalityProof } from '@nostro/shared';

/** A decimal amount in major units, e.g. "1002.50" USD, "1500" JPY. */
export type Amount = string;

/** ISO 4217 currency code, e.g. "USD". */
export type CurrencyCode = string;

/** RFC 9457 problem details, with the stable machine `code` of API.md. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  /** Offending field paths for `validation_failed`. */
  errors?: { path: string; message?: string }[];
}

/** `GET /v1/keys`. Public keys are the raw 32 bytes, base64url without padding. */
export interface NetworkKeys {
  network: { keyid: string; publicKey: string };
  validators: { id: string; publicKey: string }[];
  quorum: number;
}

interface QuoteRequestBase {
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  creditorParticipant: string;
}

/** `POST /v1/quotes`: give either the amount to send or the amount to be received. */
export type CreateQuoteRequest =
  (QuoteRequestBase & { sendAmount: Amount; receiveAmount?: never }) | (QuoteRequestBase & { receiveAmount: Amount; sendAmount?: never });

export interface Fee {
  type: string;
  amount: Amount;
  currency: CurrencyCode;
}

/** `201` of `POST /v1/quotes`. `rate` is the all-in customer rate; `totalDebit = sendAmount + Σ fees`. */
export interface Quote {
  id: string;
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  midRate: string;
  rate: string;
  /** The markup over the mid rate in basis points, as a decimal string. */
  markupBps: string;
  sendAmount: Amount;
  receiveAmount: Amount;
  fees: Fee[];
  totalDebit: Amount;
  creditorParticipant?: string;
  createdAt?: string;
  expiresAt: string;
  signature: string;
}

/** A party whose customer data was erased: amounts, statuses and proofs stay, who it was does not. */
export interface ErasedParty {
  erased: true;
}

export interface Party {
  /** 1–140 characters. */
  name: string;
  /** 1–34 characters: an IBAN or a local account number. */
  account: string;
}

/** `POST /v1/payments`. */
export interface CreatePaymentRequest {
  quoteId: string;
  /** 1–35 characters. */
  endToEndId: string;
  debtor: Party;
  creditor: Party;
  /** Up to 140 characters. */
  remittanceInfo?: string;
  /** Short of funds: reject at once (the default), or wait in the debtor account's liquidity queue (API.md "Liquidity queue"). */
  liquidity?: Liquidity;
  /**
   * Hold the funds in escrow until the creditor bank gives the preimage of `hash` (`fulfil`), or give them back at
   * `expiresAt` (API.md "Conditional payments"). Make one with `newCondition`.
   */
  condition?: Condition;
}

/** A SHA-256 hash-lock: `hash` 64 lower-case hex digits, `expiresAt` RFC 3339, in the future and at most 30 days ahead. */
export interface Condition {
  type: 'sha256';
  hash: string;
  expiresAt: string;
}

/** `202` of `POST /v1/incoming-payments/{uetr}/fulfil`: sent to settlement; `SETTLED` follows when its block is final. */
export interface PaymentFulfilment {
  uetr: string;
  status: 'RESERVED';
}

/** `queue` needs `queueFor`: whole seconds, 1 to 86,400, counted from the block in which the ledger first found it short. */
export type Liquidity = { onShortfall: 'reject' } | { onShortfall: 'queue'; queueFor: number };

/**
 * API.md "Payment statuses (complete list)". Final: `REJECTED`, `CANCELLED`, `RETURNED`; `SETTLED` is final for the
 * ledger but becomes `RETURNED` when the whole receive amount comes back. Tolerate values added later.
 */
export type PaymentStatus = 'RECEIVED' | 'HELD' | 'QUEUED' | 'SUBMITTED' | 'RESERVED' | 'SETTLED' | 'REJECTED' | 'CANCELLED' | 'RETURNED';

/** Timeline steps of a recall or a return, recorded beside the payment's own statuses. */
export type RecallReturnStep =
  'RECALL_REQUESTED' | 'RECALL_ACCEPTED' | 'RECALL_REJECTED' | 'RECALL_EXPIRED' | 'RETURN_RECEIVED' | 'RETURN_SETTLED' | 'RETURN_REJECTED';

export type TimelineStatus = PaymentStatus | RecallReturnStep;

/** `202` of `POST /v1/payments`: the payment as recorded (status `RECEIVED`, or `REJECTED` by screening). */
export interface PaymentAccepted {
  uetr: string;
  status: PaymentStatus;
  reason?: string;
  [field: string]: unknown;
}

export interface TimelineEntry {
  status: TimelineStatus;
  at: string;
  reason?: string;
}

/** The quote as recorded on a payment. */
export interface PaymentQuote {
  id: string;
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  midRate: string;
  rate: string;
  markupBps: string;
  fees: Fee[];
  expiresAt: string;
}

/** `GET /v1/payments/{uetr}`. */
export interface Payment {
  uetr: string;
  status: PaymentStatus;
  reason?: string;
  /** `QUEUED`: when (block time, RFC 3339) the ledger rejects it with `queue_timeout` if it is still short of funds. */
  queuedUntil?: string;
  /** A conditional payment's hash-lock (API.md "Conditional payments"). */
  condition?: Condition;
  /** `RESERVED`: when (block time, RFC 3339) the escrow goes back to the debtor unless fulfilled before. */
  reservedUntil?: string;
  quote: PaymentQuote;
  sendAmount: Amount;
  receiveAmount: Amount;
  totalDebit: Amount;
  createdAt: string;
  timeline: TimelineEntry[];
  block?: { height: number; hash: string };
  endToEndId?: string;
  debtorParticipant?: string;
  creditorParticipant?: string;
  sourceCurrency?: CurrencyCode;
  targetCurrency?: CurrencyCode;
  /**
   * Incoming payments only: the parties the creditor needs to credit its customer; `{ erased: true }` once the customer
   * data was erased (crypto-shredding, `customerDataErasedAt` says when).
   */
  debtor?: Party | ErasedParty;
  creditor?: Party | ErasedParty;
  customerDataErasedAt?: string;
  remittanceInfo?: string;
  /** What has come back so far, in the target currency. */
  returnedAmount?: Amount;
  /** Every return of this payment (the payment's `uetr` is not repeated in them). */
  returns?: Omit<PaymentReturn, 'uetr'>[];
  /** The payment's recall, once the debtor bank has asked for one. */
  recall?: Omit<Recall, 'uetr'>;
}

/** `GET /v1/payments` query; `limit` up to 1,000. */
export interface ListPaymentsQuery {
  status?: PaymentStatus;
  /** ISO 8601 date-time. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/** A cursor-paginated list. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * The ledger transaction a finality proof includes, hashed exactly as received: a payment's transfer or, with
 * `returnId`, one of its returns (whose `uetr` is the original payment's).
 */
export interface FinalityTransaction {
  id: string;
  kind?: string;
  uetr?: string;
  /** Set on a return's transaction only. */
  returnId?: string;
  /** Amounts in minor units, as strings. */
  postings?: { account: string; currency: CurrencyCode; amount: string }[];
  outcome: { status: 'accepted' } | { status: 'rejected'; reason: string };
  [field: string]: unknown;
}

/**
 * `GET /v1/payments/{uetr}/finality` and `.../returns/{returnId}/finality`; check it with `verifyPaymentFinality` or
 * `verifyReturnFinality` against `GET /v1/keys`.
 */
export type PaymentFinality = Omit<FinalityProof, 'transaction'> & { transaction: FinalityTransaction };

/** ISO 20022 cancellation reasons a debtor bank recalls a settled payment with (camt.056 `CxlRsnInf/Rsn/Cd`). */
export type RecallReason = 'DUPL' | 'FRAD' | 'TECH' | 'CUST' | 'AM09' | 'AC03' | 'UPAY';

export const RECALL_REASONS: Readonly<Record<RecallReason, string>> = {
  DUPL: 'duplicate payment',
  FRAD: 'fraudulent origin',
  TECH: 'technical problem',
  CUST: 'requested by the customer',
  AM09: 'wrong amount',
  AC03: 'wrong creditor account',
  UPAY: 'undue payment',
};

/** ISO 20022 investigation reasons a creditor bank rejects a recall with (camt.029 `CxlStsRsnInf/Rsn/Cd`). */
export type RecallRejectReason = 'NOOR' | 'CUST' | 'AC04' | 'ARDT' | 'LEGL' | 'NOAS';

export const RECALL_REJECT_REASONS: Readonly<Record<RecallRejectReason, string>> = {
  NOOR: 'no original transaction received',
  CUST: 'the customer refused',
  AC04: 'account closed',
  ARDT: 'already returned',
  LEGL: 'legal decision',
  NOAS: 'no answer from the customer',
};

/** ISO 20022 return reasons a creditor bank returns a payment with (pacs.004 `RtrRsnInf/Rsn/Cd`). */
export type ReturnReason = 'AC01' | 'AC04' | 'AC06' | 'AM09' | 'BE04' | 'MS02' | 'MS03' | 'RR04';

export const RETURN_REASONS: Readonly<Record<ReturnReason, string>> = {
  AC01: 'incorrect account number',
  AC04: 'closed account',
  AC06: 'blocked account',
  AM09: 'wrong amount',
  BE04: 'missing creditor address',
  MS02: 'not specified, by the customer',
  MS03: 'not specified, by the agent',
  RR04: 'regulatory reason',
};

/** `POST /v1/payments/{uetr}/cancel`: before the payment reaches the ledger (`RECEIVED`, `HELD`, `QUEUED`). */
export interface CancelPaymentRequest {
  reason?: string;
}

/** `200` of a cancellation, once settlement has decided; too late is `409 payment_not_cancellable`. */
export interface PaymentCancelled {
  uetr: string;
  status: 'CANCELLED';
}

/** `POST /v1/payments/{uetr}/recall`, on a `SETTLED` payment. */
export interface RecallPaymentRequest {
  reason: RecallReason;
  comment?: string;
}

export type RecallStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'EXPIRED';

/** How a recall ended. API.md does not fix its fields; these are the ones a resolution can carry. */
export interface RecallResolution {
  at?: string;
  reason?: RecallRejectReason;
  returnId?: string;
  [field: string]: unknown;
}

/** `202` of `POST /v1/payments/{uetr}/recall`; `PENDING` until the creditor answers or `respondBy` passes. */
export interface Recall {
  recallId: string;
  uetr: string;
  status: RecallStatus;
  reason: RecallReason;
  respondBy: string;
  resolution?: RecallResolution;
}

/**
 * `POST /v1/incoming-payments/{uetr}/recall/response`. `reject` needs `reason`; `accept` returns the payment (all of
 * it, or `amount` of it in the target currency) as a return with reason `FOCR`.
 */
export interface RecallResponseRequest {
  decision: 'accept' | 'reject';
  reason?: RecallRejectReason;
  amount?: Amount;
}

/** `200` of a recall response; `returnId` is the return an acceptance made. */
export interface RecallResponse {
  recallId: string;
  status: RecallStatus;
  returnId?: string;
}

/** `POST /v1/incoming-payments/{uetr}/return`, on a `SETTLED` payment; `amount` defaults to all that is left. */
export interface ReturnPaymentRequest {
  reason: ReturnReason;
  amount?: Amount;
}

export type ReturnStatus = 'RECEIVED' | 'SETTLED' | 'REJECTED';

/**
 * A return: `amount` in the payment's target currency goes back, the debtor gets `sourceAmount` (the same fraction of
 * the original `sendAmount`, rounded down; fees are not refunded). `reason` is `FOCR` for a return made by accepting a
 * recall. It has its own finality proof once `SETTLED` or `REJECTED`.
 */
export interface PaymentReturn {
  returnId: string;
  uetr: string;
  status: ReturnStatus;
  amount: Amount;
  currency: CurrencyCode;
  sourceAmount: Amount;
  sourceCurrency: CurrencyCode;
  reason: ReturnReason | 'FOCR';
  /** Why the ledger rejected it, e.g. `insufficient_funds`. */
  rejectReason?: string;
  block?: { height: number; hash: string };
}

/**
 * A pacs.002.001.11 status report as the gateway sent it (`xml`, exactly as received) and as read
 * (`report`: one transaction per payment, `RCVD`/`RJCT` answering a pacs.008, the current `TxSts` of a payment).
 */
export interface StatusReportDocument {
  xml: string;
  report: StatusReport;
}

/** One settlement account, as of the last final block. */
export interface AccountBalance {
  currency: CurrencyCode;
  balance: Amount;
  available: Amount;
  /** What the account's queued payments would debit (their total debits); `"0.00"`-style zero when none wait. */
  queued: Amount;
}

/** `GET /v1/accounts`. */
export interface Accounts {
  data: AccountBalance[];
}

/** What moved money on an account (API.md "Account entries and statements"). */
export type AccountEntryKind = 'payment' | 'return' | 'deposit' | 'withdrawal' | 'fee';

/**
 * One posting to one of the bank's accounts, from a final block. `amount` is positive (its sign is `direction`),
 * `balanceAfter` the running balance after it in block order, both in major units of the account's currency.
 */
export interface AccountEntry {
  /** Its position on the chain, `<height>-<index>-<leg>`: stable, and the camt.053 `NtryRef`. */
  entryId: string;
  height: number;
  /** The block's time (ISO 8601). */
  at: string;
  kind: AccountEntryKind;
  direction: 'debit' | 'credit';
  amount: Amount;
  balanceAfter: Amount;
  /** The payment it belongs to (`payment` and `return` entries). */
  uetr?: string;
  /** The return it belongs to (`return` entries). */
  returnId?: string;
  endToEndId?: string;
  /** The other participant; `EXTERNAL` for deposits and withdrawals. */
  counterparty?: string;
  /** The operator's reference of a deposit or withdrawal. */
  reference?: string;
}

/** `GET /v1/accounts/{currency}/entries` query: heights bound the blocks, `limit` up to 1,000 (default 100). */
export interface EntriesQuery {
  fromHeight?: number;
  toHeight?: number;
  limit?: number;
  cursor?: string;
}

/**
 * `GET /v1/accounts/{currency}/statement` query: a UTC day (`date`, YYYY-MM-DD) or a height range; neither is the
 * whole chain up to the last final block.
 */
export interface StatementQuery {
  date?: string;
  fromHeight?: number;
  toHeight?: number;
}

/**
 * An account statement. `openingBalance + totalCredits − totalDebits = closingBalance`, the ledger balance at
 * `toHeight`; `interim` while the period is not over (today, or the chain up to its last final block).
 */
export interface AccountStatement {
  /** `<participant>:<currency>`. */
  account: string;
  currency: CurrencyCode;
  fromHeight: number;
  toHeight: number;
  from: string;
  to: string;
  openingBalance: Amount;
  closingBalance: Amount;
  totalDebits: Amount;
  totalCredits: Amount;
  entryCount: number;
  interim: boolean;
  entries: AccountEntry[];
}

/** `POST /v1/admin/participants`. */
export interface CreateParticipantRequest {
  id: string;
  name: string;
  currencies: CurrencyCode[];
  /** The first key; its key id is the participant id. Raw 32 bytes, base64url. */
  publicKey: string;
  webhookUrl?: string;
}

export interface Participant {
  id: string;
  name: string;
  currencies: CurrencyCode[];
  webhookUrl?: string | null;
  status?: 'active' | 'suspended';
  /** Registration, suspension, resumption: `ready` once final on the ledger, else `pending`. */
  ledger?: string;
  keys?: ParticipantKey[];
}

/** `POST /v1/admin/participants/{id}/deposits` and `/withdrawals`. */
export interface TransferRequest {
  currency: CurrencyCode;
  amount: Amount;
  reference: string;
}

/** Answer to a deposit or withdrawal, once the ledger transaction is final. */
export interface TransferResult {
  currency: CurrencyCode;
  balance: Amount;
  [field: string]: unknown;
}

/** `PUT /v1/admin/participants/{id}/limits`. `holdAbove: null` means no hold threshold. */
export interface SetLimitsRequest {
  currency: CurrencyCode;
  netDebitCap: Amount;
  holdAbove: Amount | null;
}

export type OperatorRole = 'viewer' | 'approver' | 'admin';

/** `POST /v1/admin/operators`. */
export interface CreateOperatorRequest {
  name: string;
  role: OperatorRole;
}

/** The token is shown once. */
export interface CreatedOperator {
  id: string;
  name?: string;
  role?: OperatorRole;
  /**
   * Shown once. `null` when the answer is a replay (a retry with the same Idempotency-Key after the first answer was
   * lost): the gateway never stores a token; revoke that operator and create another.
   */
  token: string | null;
}

/** `POST /v1/quotes/batch` / `POST /v1/payments/batch`: one result per item, in order. */
export type BatchResult<T> = T | { problem: ProblemDetails };

export interface QuoteBatch {
  results: BatchResult<Quote>[];
}

export interface PaymentBatch {
  results: BatchResult<{ uetr: string; status: PaymentStatus; reason?: string }>[];
}

/** True when a batch item is a problem rather than a result. */
export function isProblemResult<T>(result: BatchResult<T>): result is { problem: ProblemDetails } {
  return typeof result === 'object' && result !== null && 'problem' in result;
}

export interface Operator {
  id: string;
  name: string;
  role: OperatorRole;
  createdAt: string;
  revokedAt: string | null;
}

export interface ParticipantKey {
  keyId: string;
  participant: string;
  publicKey: string;
  createdAt: string;
  revokedAt: string | null;
}

/** `POST /v1/keys/participant` (a bank's own key) and `POST /v1/admin/participants/{id}/keys`. */
export interface AddKeyRequest {
  /** Unique across participants; never `nostro` or a validator's id. */
  keyId: string;
  /** The raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
}

/** The states of an operator call held for a second admin (API.md "Operator controls"). */
export type OperatorRequestStatus = 'PENDING_APPROVAL' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

/**
 * `202` to a dual-controlled operator call when the gateway runs with `DUAL_CONTROL=on` (deposits, withdrawals,
 * limits, screening limits, participant keys, operator creation): nothing happened yet; a different admin approves
 * it with {@link NostroAdminClient.approveRequest}, and that approval answers what the call itself would have.
 */
export interface PendingApproval {
  requestId: string;
  status: 'PENDING_APPROVAL';
  /** The call, e.g. `admin.participants.deposits.post`. */
  action: string;
  expiresAt: string;
}

/** True when an operator call's answer is a {@link PendingApproval} rather than the call's own result. */
export function isPendingApproval(answer: unknown): answer is PendingApproval {
  const a = answer as Partial<PendingApproval> | null;
  return typeof a === 'object' && a !== null && a.status === 'PENDING_APPROVAL' && typeof a.requestId === 'string';
}

/** `GET /v1/admin/requests/{id}`: a held operator call as it was sent, and how it was decided. */
export interface OperatorRequest {
  requestId: string;
  status: OperatorRequestStatus;
  action: string;
  method: string;
  path: string;
  body: unknown;
  requestedBy: { id: string; name: string };
  createdAt: string;
  expiresAt: string;
  decidedBy?: { id: string; name: string };
  decidedAt?: string;
  comment?: string;
  /** What the approved call answered (its HTTP status and body). */
  result?: { status: number; body: unknown };
}

/** `GET /v1/admin/requests`: oldest first. */
export interface OperatorRequestsQuery extends PageQuery {
  status?: OperatorRequestStatus;
}

/** `PATCH /v1/admin/participants/{id}`. `webhookUrl: null` removes it. */
export interface UpdateParticipantRequest {
  name?: string;
  webhookUrl?: string | null;
}

/** `PUT /v1/admin/participants/{id}/screening-limits`; `null` removes a limit. */
export interface ScreeningLimitsRequest {
  currency: CurrencyCode;
  maxAmount: Amount | null;
  velocity: { count: number | null; amount: Amount | null; windowSeconds: number } | null;
}

export interface ScreeningLimits extends ScreeningLimitsRequest {
  participant: string;
  updatedAt: string;
}

export interface ScreeningStatus {
  configured: boolean;
  file: string | null;
  entries: number;
  version: string | null;
  sha256: string | null;
  loadedAt: string | null;
}

export interface ScreeningHit {
  id: string;
  uetr: string | null;
  participant: string;
  action: 'reject' | 'hold';
  reason: string;
  matched: Record<string, unknown>;
  createdAt: string;
}

export type WebhookType =
  | 'payment.settled'
  | 'payment.rejected'
  | 'payment.held'
  | 'payment.queued'
  | 'payment.reserved'
  | 'payment.received'
  | 'payment.cancelled'
  | 'payment.recall_requested'
  | 'payment.recall_resolved'
  | 'payment.returned'
  | 'return.settled'
  | 'return.rejected';

/**
 * The body of a webhook (API.md): de-duplicate by `id`. On `payment.returned` the finality proof is the return's
 * (its `transaction.returnId` names it).
 */
export interface WebhookEvent {
  id: string;
  /** One of {@link WebhookType}, or a type added to the API since this SDK (API.md: clients tolerate new ones). */
  type: WebhookType | (string & {});
  occurredAt: string;
  data: { payment: Payment; finality?: PaymentFinality; recall?: Recall; return?: PaymentReturn };
}

export interface WebhookDelivery {
  id: string;
  participant: string;
  type: WebhookType;
  uetr: string | null;
  status: 'pending' | 'delivered' | 'abandoned';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload?: WebhookEvent;
}

export interface WebhookEndpointHealth {
  participant: string;
  webhookUrl: string | null;
  state: 'healthy' | 'failing';
  pending: number;
  abandoned: number;
  oldestPendingAt: string | null;
  maxAttempts: number;
  lastError: string | null;
  lastDeliveredAt: string | null;
}

/** `GET /v1/admin/payments` query (any participant's payments). */
export interface AdminPaymentsQuery extends ListPaymentsQuery {
  participant?: string;
}

/** `POST /v1/admin/payments/{uetr}/decisions`. */
export interface PaymentDecisionRequest {
  decision: 'approve' | 'reject';
  comment?: string;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** `POST /v1/admin/participants/{id}/erase-customer-data` (dual-controlled). */
export interface EraseCustomerDataResult {
  participant: string;
  /** The cutoff applied: the earlier of the `before` asked for and now minus the retention period. */
  erasedBefore: string;
  retentionDays: number;
  erased: number;
}

/** `GET /v1/admin/customer-data`: which key-encryption key wraps how many data keys. */
export interface CustomerDataStatus {
  currentKekId: string;
  retentionDays: number;
  keks: { kekId: string; current: boolean; held: boolean; dataKeys: string; retiredAt?: string }[];
  erased: string;
  notYetSealed: string;
}

/** `GET /v1/admin/queues` (API.md "Liquidity queue"). */
export interface QueuesQuery extends PageQuery {
  /** Only this debtor participant's queues. */
  participant?: string;
  currency?: CurrencyCode;
}

/** A payment waiting in a liquidity queue, in release order (FIFO). */
export interface LiquidityQueueEntry {
  uetr: string | null;
  /** The ledger transaction id. */
  txId: string;
  /** What it debits the account (its total debit). */
  amount: Amount;
  /** When it was queued: the time of the block in which the ledger first found it short. */
  arrivedAt: string;
  /** Seconds since `arrivedAt`. */
  age: number;
  /** Block time at which the ledger rejects it with `queue_timeout`. */
  queuedUntil: string;
  /** What the account lacks to release the entries up to and including this one. */
  shortfall: Amount;
}

/** One debtor account's liquidity queue, as of the last block the answering validator applied. */
export interface LiquidityQueue {
  account: string;
  participant: string;
  currency: CurrencyCode;
  balance: Amount;
  netDebitCap: Amount;
  /** The entries' amounts summed. */
  queued: Amount;
  /** What the queue waits for: `queued − (balance + netDebitCap)`, at least zero. */
  shortfall: Amount;
  /** Seconds the oldest entry has waited. */
  oldestAge: number;
  entries: LiquidityQueueEntry[];
}

/** A page of queues, read at block `height`, at `at`. */
export interface QueuesPage extends Page<LiquidityQueue> {
  height: number;
  at: string;
}
