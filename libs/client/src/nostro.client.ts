/**
 * The bank SDK: every request is signed per API.md "Authentication of banks" (RFC 9421, Ed25519,
 * `Content-Digest`) and sent with fetch. Non-2xx answers throw {@link NostroApiError}.
 *
 * The SDK runs in Node and signs with `@nostro/shared-node` (node:crypto/OpenSSL: one signature per request, the
 * SDK's hot path); finality proofs are checked with the portable verifier of `@nostro/shared` (@noble/curves, the
 * code the ops console runs in the browser). Both apply the same strict RFC 8032 rules.
 *
 * `baseUrl` must be the gateway's public base URL, because the signature covers the full target URI.
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008Inbound, parsePacs002, type Pacs008Message } from '@nostro/iso20022';
import { base64UrlDecode, signRequest } from '@nostro/shared-node';
import {
  buildUrl,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  sendJson,
  sendText,
  withRetries,
  XML_MEDIA,
  type FetchFn,
  type HttpRequest,
  type QueryValue,
  type RetryPolicy,
} from './http.transport';
import { NostroApiError } from './nostro-api.error';
import type {
  AccountEntry,
  AddKeyRequest,
  Accounts,
  AccountStatement,
  CancelPaymentRequest,
  CreatePaymentRequest,
  CreateQuoteRequest,
  EntriesQuery,
  ListPaymentsQuery,
  NetworkKeys,
  Page,
  Payment,
  PaymentAccepted,
  PaymentBatch,
  PaymentCancelled,
  PaymentFulfilment,
  PaymentFinality,
  PaymentReturn,
  ParticipantKey,
  Quote,
  QuoteBatch,
  Recall,
  RecallPaymentRequest,
  RecallResponse,
  RecallResponseRequest,
  ReturnPaymentRequest,
  StatementQuery,
  StatusReportDocument,
} from './types';
import { verifyPaymentFinality, verifyReturnFinality, type PaymentFinalityVerdict } from './webhook';

export interface NostroClientOptions {
  /** The gateway's public base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  participantId: string;
  /** Defaults to `participantId` (the id of a participant's first key). */
  keyId?: string;
  /** The 32-byte Ed25519 seed, raw or base64url (the format of key files). */
  seed: Uint8Array | string;
  /** Defaults to the global fetch. */
  fetch?: FetchFn;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retry policy of idempotent writes (`createPayment` and the other money-moving POSTs); `retries` defaults to 2. */
  retry?: Partial<RetryPolicy>;
}

export interface RequestOptions {
  body?: unknown;
  /** An XML document sent as it is (`Content-Type: application/xml`) instead of `body` as JSON. */
  xml?: string;
  idempotencyKey?: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** Retry policy; without one the request is sent once. */
  retry?: RetryPolicy;
}

/** Options of every money-moving write: sent with an Idempotency-Key and retried with it. */
export interface IdempotencyOptions {
  /** Reused on every retry; a UUID v4 is generated when absent. */
  idempotencyKey?: string;
  retries?: number;
}

export type CreatePaymentOptions = IdempotencyOptions;

/** Largest page the API serves (API.md: `limit` up to 1,000). */
const PAGE_LIMIT_MAX = 1_000;

/** Every item of a cursor-paginated list, page by page. */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

const SEED_BYTES = 32;

function seedBytes(seed: Uint8Array | string): Uint8Array {
  const bytes = typeof seed === 'string' ? base64UrlDecode(seed.trim()) : seed;
  if (bytes.length !== SEED_BYTES) throw new RangeError('seed must be 32 bytes (raw or base64url)');
  return bytes;
}

export class NostroClient {
  readonly participantId: string;
  private readonly baseUrl: string;
  private readonly keyId: string;
  private readonly seed: Uint8Array;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;

  constructor(options: NostroClientOptions) {
    this.baseUrl = options.baseUrl;
    this.participantId = options.participantId;
    this.keyId = options.keyId ?? options.participantId;
    this.seed = seedBytes(options.seed);
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** `GET /v1/keys`: the network key, the validators and the quorum (for finality proofs). */
  getKeys(): Promise<NetworkKeys> {
    return this.request('GET', '/v1/keys');
  }

  /**
   * `POST /v1/keys/participant`: adds a request-signing key of this bank's own, usable at once (rotation: add the new
   * key, move the signer to it, then {@link revokeKey} the old one). Signed with the current key; sent with an
   * Idempotency-Key and retried like {@link createPayment}. `409 key_exists`, `key_id_reserved` or `public_key_in_use`;
   * `422 limit_exceeded` past 10 active keys.
   */
  addKey(key: AddKeyRequest, options: IdempotencyOptions = {}): Promise<ParticipantKey> {
    return this.idempotentPost('/v1/keys/participant', key, options);
  }

  /**
   * `DELETE /v1/keys/participant/{keyId}`: revokes one of this bank's active keys (it may be the one this client signs
   * with: requests signed with it are `401 key_unknown` from the answer on). Never the last one: `409 last_key`. Sent
   * once: a repeat after it went through is `404 not_found`.
   */
  async revokeKey(keyId: string): Promise<void> {
    await this.request('DELETE', `/v1/keys/participant/${encodeURIComponent(keyId)}`);
  }

  /** `POST /v1/quotes`. */
  createQuote(quote: CreateQuoteRequest): Promise<Quote> {
    return this.request('POST', '/v1/quotes', { body: quote });
  }

  /** `POST /v1/quotes/batch`: up to 1,000 quotes, one quote or `{ problem }` per item, in order. */
  createQuotes(quotes: CreateQuoteRequest[]): Promise<QuoteBatch> {
    return this.request('POST', '/v1/quotes/batch', { body: { quotes } });
  }

  /**
   * `POST /v1/payments/batch`: up to 1,000 payments under one Idempotency-Key, retried like {@link createPayment}.
   * One result per item, in order: `{ uetr, status }` or `{ problem }`.
   */
  createPayments(payments: CreatePaymentRequest[], options: CreatePaymentOptions = {}): Promise<PaymentBatch> {
    return this.idempotentPost('/v1/payments/batch', { payments }, options);
  }

  /** `POST /v1/payments`, retried with the same Idempotency-Key on network errors, 5xx and `idempotency_in_progress`. */
  createPayment(payment: CreatePaymentRequest, options: CreatePaymentOptions = {}): Promise<PaymentAccepted> {
    return this.idempotentPost('/v1/payments', payment, options);
  }

  /** `GET /v1/payments/{uetr}`. */
  getPayment(uetr: string): Promise<Payment> {
    return this.request('GET', `/v1/payments/${encodeURIComponent(uetr)}`);
  }

  /** `GET /v1/payments`: this bank's own payments, one page. */
  listPayments(query: ListPaymentsQuery = {}): Promise<Page<Payment>> {
    return this.request('GET', '/v1/payments', { query: { ...query } });
  }

  /** `GET /v1/payments/{uetr}/finality`; check it with `verifyFinalityProof` and {@link getKeys}. */
  getFinality(uetr: string): Promise<PaymentFinality> {
    return this.request('GET', `/v1/payments/${encodeURIComponent(uetr)}/finality`);
  }

  /** Every payment of this bank matching `query`, across pages. */
  allPayments(query: Omit<ListPaymentsQuery, 'cursor'> = {}): AsyncGenerator<Payment> {
    return paginate((cursor) => this.listPayments({ limit: PAGE_LIMIT_MAX, ...query, cursor }));
  }

  /** `GET /v1/incoming-payments`: payments to this bank (as creditor), one page. */
  listIncomingPayments(query: ListPaymentsQuery = {}): Promise<Page<Payment>> {
    return this.request('GET', '/v1/incoming-payments', { query: { ...query } });
  }

  /** Every incoming payment matching `query`, across pages. */
  allIncomingPayments(query: Omit<ListPaymentsQuery, 'cursor'> = {}): AsyncGenerator<Payment> {
    return paginate((cursor) => this.listIncomingPayments({ limit: PAGE_LIMIT_MAX, ...query, cursor }));
  }

  /** `GET /v1/incoming-payments/{uetr}`, with the debtor and creditor details. */
  getIncomingPayment(uetr: string): Promise<Payment> {
    return this.request('GET', `/v1/incoming-payments/${encodeURIComponent(uetr)}`);
  }

  /** `GET /v1/incoming-payments/{uetr}/finality`. */
  getIncomingFinality(uetr: string): Promise<PaymentFinality> {
    return this.request('GET', `/v1/incoming-payments/${encodeURIComponent(uetr)}/finality`);
  }

  /**
   * Fetches the finality proof of a payment (outgoing, or with `incoming` one to this bank) and verifies it offline
   * against `keys` (pin them: by default they are fetched from `GET /v1/keys`).
   */
  async verifyFinality(uetr: string, options: { incoming?: boolean; keys?: NetworkKeys } = {}): Promise<PaymentFinalityVerdict & { proof: PaymentFinality }> {
    const keys = options.keys ?? (await this.getKeys());
    const proof = options.incoming ? await this.getIncomingFinality(uetr) : await this.getFinality(uetr);
    return { ...verifyPaymentFinality(uetr, proof, keys), proof };
  }

  /**
   * `POST /v1/payments/{uetr}/cancel`: a payment that has not reached the ledger (`RECEIVED`, `HELD`, `QUEUED`),
   * answered once settlement has decided. Too late: `409 payment_not_cancellable`. Retried like {@link createPayment}.
   */
  cancelPayment(uetr: string, body: CancelPaymentRequest = {}, options: IdempotencyOptions = {}): Promise<PaymentCancelled> {
    return this.idempotentPost(`/v1/payments/${encodeURIComponent(uetr)}/cancel`, body, options);
  }

  /**
   * `POST /v1/payments/{uetr}/recall`: asks the creditor bank to give a `SETTLED` payment back (`202`, `PENDING` until it
   * answers or `respondBy` passes). `409 payment_not_settled`, `recall_pending` or `payment_returned` when it cannot.
   */
  recallPayment(uetr: string, body: RecallPaymentRequest, options: IdempotencyOptions = {}): Promise<Recall> {
    return this.idempotentPost(`/v1/payments/${encodeURIComponent(uetr)}/recall`, body, options);
  }

  /**
   * `POST /v1/incoming-payments/{uetr}/recall/response`: the creditor bank accepts a recall (returning all of the
   * payment, or `amount` of it, as a return with reason `FOCR`: see `returnId`) or rejects it with a reason.
   */
  respondToRecall(uetr: string, body: RecallResponseRequest, options: IdempotencyOptions = {}): Promise<RecallResponse> {
    return this.idempotentPost(`/v1/incoming-payments/${encodeURIComponent(uetr)}/recall/response`, body, options);
  }

  /**
   * `POST /v1/incoming-payments/{uetr}/return`: the creditor bank sends a `SETTLED` payment back, all of what is left or
   * `amount` (target currency), without a recall. More than is left: `422 return_exceeds_payment`.
   */
  returnPayment(uetr: string, body: ReturnPaymentRequest, options: IdempotencyOptions = {}): Promise<PaymentReturn> {
    return this.idempotentPost(`/v1/incoming-payments/${encodeURIComponent(uetr)}/return`, body, options);
  }

  /**
   * `POST /v1/incoming-payments/{uetr}/fulfil` (API.md "Conditional payments"): the creditor bank releases a `RESERVED`
   * payment with the preimage (base64url) of its condition. Answered `202 { uetr, status: "RESERVED" }` once sent to
   * settlement; the payment settles when the block that carries it is final (webhook `payment.received`). Refused at
   * once: `422 condition_not_met` (wrong preimage), `409 condition_expired`, `409 payment_not_reserved`. Retried like
   * {@link createPayment}.
   */
  fulfil(uetr: string, preimage: string, options: IdempotencyOptions = {}): Promise<PaymentFulfilment> {
    return this.idempotentPost(`/v1/incoming-payments/${encodeURIComponent(uetr)}/fulfil`, { preimage }, options);
  }

  /** `GET /v1/payments/{uetr}/returns/{returnId}/finality`: the proof of a return of one of this bank's payments. */
  getReturnFinality(uetr: string, returnId: string): Promise<PaymentFinality> {
    return this.request('GET', `/v1/payments/${encodeURIComponent(uetr)}/returns/${encodeURIComponent(returnId)}/finality`);
  }

  /** `GET /v1/incoming-payments/{uetr}/returns/{returnId}/finality`: the proof of a return this bank made. */
  getIncomingReturnFinality(uetr: string, returnId: string): Promise<PaymentFinality> {
    return this.request('GET', `/v1/incoming-payments/${encodeURIComponent(uetr)}/returns/${encodeURIComponent(returnId)}/finality`);
  }

  /**
   * Fetches the finality proof of a return (of an outgoing payment, or with `incoming` one this bank made) and verifies
   * it offline against `keys`, like {@link verifyFinality}.
   */
  async verifyReturnFinality(
    uetr: string,
    returnId: string,
    options: { incoming?: boolean; keys?: NetworkKeys } = {},
  ): Promise<PaymentFinalityVerdict & { proof: PaymentFinality }> {
    const keys = options.keys ?? (await this.getKeys());
    const proof = options.incoming ? await this.getIncomingReturnFinality(uetr, returnId) : await this.getReturnFinality(uetr, returnId);
    return { ...verifyReturnFinality(uetr, returnId, proof, keys), proof };
  }

  /** `GET /v1/accounts`: balances as of the last final block. */
  getAccounts(): Promise<Accounts> {
    return this.request('GET', '/v1/accounts');
  }

  /**
   * `GET /v1/accounts/{currency}/entries`: the postings to one of this bank's accounts from final blocks, oldest first,
   * with the running balance after each; one page (`limit` up to 1,000, default 100). Another currency is `404`.
   */
  getEntries(currency: string, query: EntriesQuery = {}): Promise<Page<AccountEntry>> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(currency)}/entries`, { query: { ...query } });
  }

  /** Every entry of one of this bank's accounts within `query`'s heights, across pages. */
  allEntries(currency: string, query: Omit<EntriesQuery, 'cursor'> = {}): AsyncGenerator<AccountEntry> {
    return paginate((cursor) => this.getEntries(currency, { limit: PAGE_LIMIT_MAX, ...query, cursor }));
  }

  /**
   * `GET /v1/accounts/{currency}/statement`: a UTC day (`date`), a height range, or by default the whole chain up to
   * the last final block; opening and closing balances, totals and every entry. More than 100,000 entries is
   * `422 statement_too_large`: ask for shorter height ranges.
   */
  getStatement(currency: string, query: StatementQuery = {}): Promise<AccountStatement> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(currency)}/statement`, { query: { ...query } });
  }

  /** The same statement as {@link getStatement}, as the ISO 20022 camt.053.001.08 document the gateway sends (text). */
  getStatementXml(currency: string, query: StatementQuery = {}): Promise<string> {
    return this.requestXml('GET', `/v1/accounts/${encodeURIComponent(currency)}/statement`, { query: { ...query } });
  }

  /**
   * `POST /v1/iso20022/pacs.008`: payments as a pacs.008.001.09 (1 to 1,000 transactions; the text as it is, or built
   * from `message` with `buildPacs008Inbound`), retried like {@link createPayment}. Answered with a pacs.002.001.11:
   * `RCVD` or `RJCT` (with its ISO reason) per transaction, in order. An invalid document is `400 validation_failed`.
   */
  async sendPacs008(message: string | Pacs008Message, options: IdempotencyOptions = {}): Promise<StatusReportDocument> {
    const xml = typeof message === 'string' ? message : buildPacs008Inbound(message);
    return statusReport(await this.requestXml('POST', '/v1/iso20022/pacs.008', { xml, ...this.idempotent(options) }), 202);
  }

  /** `GET /v1/payments/{uetr}` as a pacs.002.001.11: the payment's current `TxSts` (`ACSC` once settled, `RJCT` with its reason). */
  async getPaymentStatusXml(uetr: string): Promise<StatusReportDocument> {
    return statusReport(await this.requestXml('GET', `/v1/payments/${encodeURIComponent(uetr)}`), 200);
  }

  /** `GET /v1/incoming-payments/{uetr}` as the pacs.008.001.09 a correspondent would have sent this (creditor) bank. */
  getIncomingPaymentXml(uetr: string): Promise<string> {
    return this.requestXml('GET', `/v1/incoming-payments/${encodeURIComponent(uetr)}`);
  }

  /** A money-moving POST: one Idempotency-Key (given, or a new UUID v4) on every attempt, retried per the policy. */
  private idempotentPost<T>(path: string, body: unknown, options: IdempotencyOptions): Promise<T> {
    return this.request('POST', path, { body, ...this.idempotent(options) });
  }

  private idempotent(options: IdempotencyOptions): { idempotencyKey: string; retry: RetryPolicy } {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return { idempotencyKey, retry: { ...this.retryPolicy, ...(options.retries === undefined ? {} : { retries: options.retries }) } };
  }

  private request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.exchange(method, path, options, 'application/json', (request) => sendJson<T>(this.fetchFn, request, this.timeoutMs));
  }

  /** An exchange of ISO 20022 documents: `Accept: application/xml`, the answer's XML as text. Problems stay JSON. */
  private requestXml(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    return this.exchange(method, path, options, 'application/xml', (request) => sendText(this.fetchFn, request, XML_MEDIA, this.timeoutMs));
  }

  private exchange<T>(method: string, path: string, options: RequestOptions, accept: string, send: (request: HttpRequest) => Promise<T>): Promise<T> {
    const url = buildUrl(this.baseUrl, path, options.query);
    const body = options.xml !== undefined ? { text: options.xml, type: 'application/xml' } : jsonBody(options.body);
    const attempt = () => send(this.signed(method, url, accept, body, options.idempotencyKey));
    return options.retry === undefined ? attempt() : withRetries(attempt, options.retry);
  }

  /** Signed afresh for every attempt, so a retry never carries a stale `created`. */
  private signed(method: string, url: string, accept: string, body: OutgoingBody | undefined, idempotencyKey: string | undefined): HttpRequest {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = body.type;
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const signature = signRequest({ method, url, headers, body: body?.text, keyId: this.keyId, seed: this.seed });
    return { method, url, headers: { ...headers, ...signature }, body: body?.text };
  }
}

interface OutgoingBody {
  text: string;
  type: string;
}

const jsonBody = (body: unknown): OutgoingBody | undefined => (body === undefined ? undefined : { text: JSON.stringify(body), type: 'application/json' });

/** A pacs.002 the gateway answered (with `status`), read; one that cannot be read is `invalid_response`, its start in `detail`. */
function statusReport(xml: string, status: number): StatusReportDocument {
  try {
    return { xml, report: parsePacs002(xml) };
  } catch (error) {
    const code = 'invalid_response';
    const detail = `${(error as Error).message}: ${xml.slice(0, 200)}`;
    throw new NostroApiError(status, code, { type: 'about:blank', title: 'Response is not a pacs.002.001.11', status, code, detail });
  }
}
