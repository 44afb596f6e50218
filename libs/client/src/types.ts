/**
 * Request and response bodies of the gateway API v1 (API.md). Amounts are decimal strings in major
 * units with exactly the currency's minor-unit digits; integers are numbers; times are ISO 8601 strings
 * except block timestamps (Unix milliseconds).
 */
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
  | (QuoteRequestBase & { sendAmount: Amount; receiveAmount?: never })
  | (QuoteRequestBase & { receiveAmount: Amount; sendAmount?: never });

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
  markupBps: number;
  sendAmount: Amount;
  receiveAmount: Amount;
  fees: Fee[];
  totalDebit: Amount;
  expiresAt: string;
  signature: string;
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
}

export type PaymentStatus = 'RECEIVED' | 'HELD' | 'SUBMITTED' | 'SETTLED' | 'REJECTED';

/** `202` of `POST /v1/payments`. */
export interface PaymentAccepted {
  uetr: string;
  status: PaymentStatus;
}

export interface TimelineEntry {
  status: PaymentStatus;
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
  markupBps: number;
  fees: Fee[];
  expiresAt: string;
}

/** `GET /v1/payments/{uetr}`. */
export interface Payment {
  uetr: string;
  status: PaymentStatus;
  reason?: string;
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

/** `GET /v1/payments/{uetr}/finality`; check it with `verifyFinalityProof` against `GET /v1/keys`. */
export type PaymentFinality = FinalityProof;

/** One settlement account, as of the last final block. */
export interface AccountBalance {
  currency: CurrencyCode;
  balance: Amount;
  available: Amount;
}

/** `GET /v1/accounts`. */
export interface Accounts {
  data: AccountBalance[];
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
  webhookUrl?: string;
  status?: string;
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
  token: string;
}
