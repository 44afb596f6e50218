/**
 * Operator client for `/v1/admin` (API.md "Operator endpoints"), authenticated with
 * `Authorization: Bearer <operator token>`. Non-2xx answers throw {@link NostroApiError}.
 *
 * With `DUAL_CONTROL=on` (API.md "Operator controls") deposits, withdrawals, limits, screening limits, participant
 * keys and operator creation answer `202` with a {@link PendingApproval} instead of their result (tell them apart
 * with {@link isPendingApproval}); a different admin then approves it with {@link NostroAdminClient.approveRequest}.
 */
import { randomUUID } from 'node:crypto';
import { buildUrl, DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT_MS, sendJson, withRetries, type FetchFn, type RetryPolicy } from './http.transport';
import type {
  CancelPaymentRequest,
  CustomerDataStatus,
  PaymentCancelled,
  QueuesPage,
  QueuesQuery,
  EraseCustomerDataResult,
  AdminPaymentsQuery,
  CreatedOperator,
  CreateOperatorRequest,
  CreateParticipantRequest,
  Operator,
  OperatorRequest,
  OperatorRequestsQuery,
  Page,
  PageQuery,
  Participant,
  ParticipantKey,
  Payment,
  PaymentDecisionRequest,
  ScreeningHit,
  ScreeningLimits,
  ScreeningLimitsRequest,
  ScreeningStatus,
  SetLimitsRequest,
  TransferRequest,
  TransferResult,
  UpdateParticipantRequest,
  WebhookDelivery,
  WebhookEndpointHealth,
} from './types';
import type { QueryValue } from './http.transport';

export interface NostroAdminClientOptions {
  baseUrl: string;
  /** An operator token (`npm run stack:up` writes the first one to `.nostro/admin-token`). */
  token: string;
  fetch?: FetchFn;
  timeoutMs?: number;
  /** Retry policy of deposits and withdrawals (they carry an Idempotency-Key). */
  retry?: Partial<RetryPolicy>;
}

/** Options of the admin calls that are retried (deposits, withdrawals, participant registration). */
export interface TransferOptions {
  /** Reused on every retry; a UUID v4 is generated when absent. */
  idempotencyKey?: string;
}

interface AdminRequest {
  body?: unknown;
  idempotencyKey?: string;
  retry?: RetryPolicy;
  query?: Readonly<Record<string, QueryValue>>;
}

const path = (...parts: string[]) => '/v1/admin/' + parts.map(encodeURIComponent).join('/');

export class NostroAdminClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;

  constructor(options: NostroAdminClientOptions) {
    this.baseUrl = options.baseUrl;
    this.token = options.token.trim();
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /**
   * `POST /v1/admin/participants`, with an Idempotency-Key (generated when not given) reused on every retry: a
   * network error, a 5xx or `409 idempotency_in_progress` is retried, and the gateway answers a repeat with the first
   * answer instead of `409 participant_exists`.
   */
  createParticipant(participant: CreateParticipantRequest, options: TransferOptions = {}): Promise<Participant> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return this.request('POST', '/v1/admin/participants', { body: participant, idempotencyKey, retry: this.retryPolicy });
  }

  /** `POST /v1/admin/participants/{id}/deposits`; answered once the ledger transaction is final. */
  deposit(participantId: string, transfer: TransferRequest, options: TransferOptions = {}): Promise<TransferResult> {
    return this.transfer(participantId, 'deposits', transfer, options);
  }

  /** `POST /v1/admin/participants/{id}/withdrawals`; answered once the ledger transaction is final. */
  withdraw(participantId: string, transfer: TransferRequest, options: TransferOptions = {}): Promise<TransferResult> {
    return this.transfer(participantId, 'withdrawals', transfer, options);
  }

  /** `PUT /v1/admin/participants/{id}/limits`. */
  setLimits(participantId: string, limits: SetLimitsRequest): Promise<SetLimitsRequest> {
    return this.request('PUT', `/v1/admin/participants/${encodeURIComponent(participantId)}/limits`, { body: limits });
  }

  /** `POST /v1/admin/operators`; the returned token is shown only once. */
  createOperator(operator: CreateOperatorRequest): Promise<CreatedOperator> {
    return this.request('POST', '/v1/admin/operators', { body: operator });
  }

  /** `GET /v1/admin/operators`. */
  listOperators(): Promise<{ data: Operator[] }> {
    return this.request('GET', '/v1/admin/operators', {});
  }

  /** `DELETE /v1/admin/operators/{id}`: the token stops working at once. */
  revokeOperator(id: string): Promise<void> {
    return this.request('DELETE', path('operators', id), {});
  }

  /** `GET /v1/admin/participants`. */
  listParticipants(query: PageQuery = {}): Promise<Page<Participant>> {
    return this.request('GET', '/v1/admin/participants', { query: { ...query } });
  }

  /** `GET /v1/admin/participants/{id}`, with its keys. */
  getParticipant(id: string): Promise<Participant> {
    return this.request('GET', path('participants', id), {});
  }

  /** `PATCH /v1/admin/participants/{id}`: name or webhook URL. */
  updateParticipant(id: string, patch: UpdateParticipantRequest): Promise<Participant> {
    return this.request('PATCH', path('participants', id), { body: patch });
  }

  /** `POST /v1/admin/participants/{id}/keys`: rotate by adding the new key, then revoking the old. */
  addKey(participantId: string, key: { keyId: string; publicKey: string }): Promise<ParticipantKey> {
    return this.request('POST', path('participants', participantId, 'keys'), { body: key });
  }

  /** `GET /v1/admin/participants/{id}/keys`. */
  listKeys(participantId: string): Promise<{ data: ParticipantKey[] }> {
    return this.request('GET', path('participants', participantId, 'keys'), {});
  }

  /** `DELETE /v1/admin/participants/{id}/keys/{keyId}`. */
  revokeKey(participantId: string, keyId: string): Promise<void> {
    return this.request('DELETE', path('participants', participantId, 'keys', keyId), {});
  }

  /** `POST /v1/admin/participants/{id}/suspend`: its writes are refused at once, the ledger follows. */
  suspend(participantId: string): Promise<Participant> {
    return this.request('POST', path('participants', participantId, 'suspend'), {});
  }

  /** `POST /v1/admin/participants/{id}/resume`. */
  resume(participantId: string): Promise<Participant> {
    return this.request('POST', path('participants', participantId, 'resume'), {});
  }

  /** `PUT /v1/admin/participants/{id}/screening-limits`: amount and velocity limits in one currency. */
  setScreeningLimits(participantId: string, limits: ScreeningLimitsRequest): Promise<ScreeningLimits> {
    return this.request('PUT', path('participants', participantId, 'screening-limits'), { body: limits });
  }

  /** `GET /v1/admin/participants/{id}/screening-limits`. */
  getScreeningLimits(participantId: string): Promise<{ data: ScreeningLimits[] }> {
    return this.request('GET', path('participants', participantId, 'screening-limits'), {});
  }

  /** `GET /v1/admin/screening`: the sanctions list in force. */
  screeningStatus(): Promise<ScreeningStatus> {
    return this.request('GET', '/v1/admin/screening', {});
  }

  /** `POST /v1/admin/screening/reload`: reads the sanctions list file again. */
  reloadSanctionsList(): Promise<ScreeningStatus> {
    return this.request('POST', '/v1/admin/screening/reload', {});
  }

  /** `GET /v1/admin/screening/hits`: screening decisions with their reasons, newest first. */
  screeningHits(query: PageQuery & { participant?: string } = {}): Promise<Page<ScreeningHit>> {
    return this.request('GET', '/v1/admin/screening/hits', { query: { ...query } });
  }

  /** `GET /v1/admin/webhooks/endpoints`: which banks' endpoints keep failing. */
  webhookEndpoints(): Promise<{ data: WebhookEndpointHealth[] }> {
    return this.request('GET', '/v1/admin/webhooks/endpoints', {});
  }

  /** `GET /v1/admin/webhooks/deliveries`. */
  webhookDeliveries(query: PageQuery & { participant?: string; status?: WebhookDelivery['status']; uetr?: string } = {}): Promise<Page<WebhookDelivery>> {
    return this.request('GET', '/v1/admin/webhooks/deliveries', { query: { ...query } });
  }

  /** `GET /v1/admin/webhooks/deliveries/{id}`, with the body sent. */
  webhookDelivery(id: string): Promise<WebhookDelivery> {
    return this.request('GET', path('webhooks', 'deliveries', id), {});
  }

  /** `POST /v1/admin/webhooks/deliveries/{id}/redeliver`: queue an undelivered or abandoned webhook again. */
  redeliverWebhook(id: string): Promise<WebhookDelivery> {
    return this.request('POST', path('webhooks', 'deliveries', id, 'redeliver'), {});
  }

  /** `GET /v1/admin/payments`: any participant's payments (`status: 'HELD'` for the approval queue). */
  listPayments(query: AdminPaymentsQuery = {}): Promise<Page<Payment>> {
    return this.request('GET', '/v1/admin/payments', { query: { ...query } });
  }

  /** `POST /v1/admin/payments/{uetr}/decisions` on a held payment, with an Idempotency-Key (retried safely). */
  decide(uetr: string, decision: PaymentDecisionRequest, options: TransferOptions = {}): Promise<unknown> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return this.request('POST', path('payments', uetr, 'decisions'), { body: decision, idempotencyKey, retry: this.retryPolicy });
  }

  /** `GET /v1/admin/queues`: every liquidity queue with what it waits for, its entries' ages, amounts and deadlines. */
  queues(query: QueuesQuery = {}): Promise<QueuesPage> {
    return this.request('GET', '/v1/admin/queues', { query: { ...query } });
  }

  /**
   * `POST /v1/admin/payments/{uetr}/cancel`: cancels a `RECEIVED`, `HELD` or `QUEUED` payment on behalf of its debtor
   * bank, answered once settlement (for a queued one, the ledger) decided; with an Idempotency-Key (retried safely).
   * `409 payment_not_cancellable` when it was too late (it settled first).
   */
  cancelPayment(uetr: string, body: CancelPaymentRequest = {}, options: TransferOptions = {}): Promise<PaymentCancelled> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return this.request('POST', path('payments', uetr, 'cancel'), { body, idempotencyKey, retry: this.retryPolicy });
  }

  /**
   * `POST /v1/admin/participants/{id}/erase-customer-data`: crypto-shreds the participant's final payments created
   * before `before` and the retention period. With DUAL_CONTROL=on the answer is `202 PENDING_APPROVAL` until a second admin approves.
   */
  eraseCustomerData(participantId: string, options: { before?: string; idempotencyKey?: string } = {}): Promise<EraseCustomerDataResult> {
    const body = options.before ? { before: options.before } : {};
    return this.request('POST', path('participants', participantId, 'erase-customer-data'), {
      body,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      retry: this.retryPolicy,
    });
  }

  /** `GET /v1/admin/customer-data`: key-encryption keys and the data keys each wraps (a rotation's progress). */
  customerDataStatus(): Promise<CustomerDataStatus> {
    return this.request('GET', '/v1/admin/customer-data', {});
  }

  /** `GET /v1/admin/requests`: operator calls held for a second admin, oldest first (`status: 'PENDING_APPROVAL'`: the queue). */
  requests(query: OperatorRequestsQuery = {}): Promise<Page<OperatorRequest>> {
    return this.request('GET', '/v1/admin/requests', { query: { ...query } });
  }

  /** `GET /v1/admin/requests/{id}`: one held call, its decision and, once approved, what it answered. */
  getRequest(id: string): Promise<OperatorRequest> {
    return this.request('GET', path('requests', id), {});
  }

  /**
   * `POST /v1/admin/requests/{id}/approve`: the held call runs now, as the operator who asked for it, and this answers
   * what it answers (a deposit's result with the new balance). Sent once, never retried: an approval that went through
   * is `409 request_not_pending` the second time (read the outcome with {@link getRequest}). The requester itself is
   * refused `403 four_eyes_required`. A held call that fails when it runs (e.g. `400 validation_failed`) throws its
   * problem, although the request is then `APPROVED` with that result.
   */
  approveRequest<T = unknown>(id: string, comment?: string): Promise<T> {
    return this.request('POST', path('requests', id, 'approve'), { body: comment === undefined ? {} : { comment } });
  }

  /** `POST /v1/admin/requests/{id}/reject`: the held call never runs; answers the request, `REJECTED`. Sent once. */
  rejectRequest(id: string, comment?: string): Promise<OperatorRequest> {
    return this.request('POST', path('requests', id, 'reject'), { body: comment === undefined ? {} : { comment } });
  }

  private transfer(participantId: string, kind: 'deposits' | 'withdrawals', body: TransferRequest, options: TransferOptions) {
    const path = `/v1/admin/participants/${encodeURIComponent(participantId)}/${kind}`;
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return this.request<TransferResult>('POST', path, { body, idempotencyKey, retry: this.retryPolicy });
  }

  private request<T>(method: string, path: string, options: AdminRequest): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const request = { method, url: buildUrl(this.baseUrl, path, options.query), headers, body };
    const attempt = () => sendJson<T>(this.fetchFn, request, this.timeoutMs);
    return options.retry === undefined ? attempt() : withRetries(attempt, options.retry);
  }
}
