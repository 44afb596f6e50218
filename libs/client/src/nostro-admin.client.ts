/**
 * Operator client for `/v1/admin` (API.md "Operator endpoints"), authenticated with
 * `Authorization: Bearer <operator token>`. Non-2xx answers throw {@link NostroApiError}.
 */
import { randomUUID } from 'node:crypto';
import {
  buildUrl,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  sendJson,
  withRetries,
  type FetchFn,
  type RetryPolicy,
} from './http.transport';
import type {
  CreatedOperator,
  CreateOperatorRequest,
  CreateParticipantRequest,
  Participant,
  SetLimitsRequest,
  TransferRequest,
  TransferResult,
} from './types';

export interface NostroAdminClientOptions {
  baseUrl: string;
  /** An operator token (`npm run stack:up` writes the first one to `.nostro/admin-token`). */
  token: string;
  fetch?: FetchFn;
  timeoutMs?: number;
  /** Retry policy of deposits and withdrawals (they carry an Idempotency-Key). */
  retry?: Partial<RetryPolicy>;
}

export interface TransferOptions {
  /** Reused on every retry; a UUID v4 is generated when absent. */
  idempotencyKey?: string;
}

interface AdminRequest {
  body?: unknown;
  idempotencyKey?: string;
  retry?: RetryPolicy;
}

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

  /** `POST /v1/admin/participants`. */
  createParticipant(participant: CreateParticipantRequest): Promise<Participant> {
    return this.request('POST', '/v1/admin/participants', { body: participant });
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
    const request = { method, url: buildUrl(this.baseUrl, path), headers, body };
    const attempt = () => sendJson<T>(this.fetchFn, request, this.timeoutMs);
    return options.retry === undefined ? attempt() : withRetries(attempt, options.retry);
  }
}
