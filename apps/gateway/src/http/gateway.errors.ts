import { FieldError, ProblemError } from '@nostro/platform';
import type { AdminErrorCode } from '../admin/admin.errors';
import type { AuthErrorCode } from '../auth/auth.errors';
import type { ExceptionsErrorCode } from '../exceptions/exceptions.errors';
import type { IdempotencyErrorCode } from '../idempotency/idempotency.errors';
import type { LedgerErrorCode } from '../ledger/ledger.errors';
import type { ParticipantsErrorCode } from '../participants/participants.errors';
import type { PaymentsErrorCode } from '../payments/payments.errors';
import type { QuotesErrorCode } from '../quotes/quotes.errors';
import type { ScreeningErrorCode } from '../screening/screening.errors';
import type { StatementsErrorCode } from '../statements/statements.errors';
import type { ApprovalsErrorCode } from '../approvals/approvals.errors';
import type { WebhooksErrorCode } from '../webhooks/webhooks.errors';

/** Codes of the HTTP layer itself: bodies, media types, an unavailable database. */
export type HttpErrorCode = 'validation_failed' | 'unsupported_media_type' | 'payload_too_large' | 'service_unavailable' | 'not_found';

/**
 * Every problem code the gateway itself raises (API.md, Conventions): the union of each domain's own codes
 * (`<domain>/<domain>.errors.ts`). Codes are stable: banks branch on them.
 */
export type GatewayErrorCode =
  | HttpErrorCode
  | AuthErrorCode
  | IdempotencyErrorCode
  | QuotesErrorCode
  | PaymentsErrorCode
  | ExceptionsErrorCode
  | StatementsErrorCode
  | ApprovalsErrorCode
  | AdminErrorCode
  | ParticipantsErrorCode
  | ScreeningErrorCode
  | WebhooksErrorCode
  | LedgerErrorCode;

/** HTTP mapping; exhaustive, so a new code without a status does not compile. */
export const GATEWAY_ERROR_HTTP: Record<GatewayErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Validation failed' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  signature_missing: { status: 401, title: 'Signature missing' },
  signature_invalid: { status: 401, title: 'Signature invalid' },
  key_unknown: { status: 401, title: 'Key unknown' },
  digest_mismatch: { status: 401, title: 'Content digest mismatch' },
  signature_expired: { status: 401, title: 'Signature expired' },
  signature_replayed: { status: 401, title: 'Signature replayed' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  idempotency_key_required: { status: 400, title: 'Idempotency-Key required' },
  idempotency_conflict: { status: 409, title: 'Idempotency key reused' },
  idempotency_in_progress: { status: 409, title: 'Request in progress' },
  participant_suspended: { status: 422, title: 'Participant suspended' },
  participant_exists: { status: 409, title: 'Participant exists' },
  key_exists: { status: 409, title: 'Key exists' },
  key_id_reserved: { status: 409, title: 'Key id reserved' },
  account_unknown: { status: 422, title: 'Account unknown' },
  public_key_in_use: { status: 409, title: 'Public key in use' },
  last_key: { status: 409, title: 'Last active key' },
  webhook_url_not_allowed: { status: 422, title: 'Webhook URL not allowed' },
  corridor_unavailable: { status: 422, title: 'Corridor unavailable' },
  limit_exceeded: { status: 422, title: 'Limit exceeded' },
  rate_limited: { status: 429, title: 'Too many requests' },
  payment_not_cancellable: { status: 409, title: 'Payment not cancellable' },
  payment_not_settled: { status: 409, title: 'Payment not settled' },
  recall_pending: { status: 409, title: 'Recall pending' },
  payment_returned: { status: 409, title: 'Payment returned' },
  recall_not_pending: { status: 409, title: 'Recall not pending' },
  return_exceeds_payment: { status: 422, title: 'Return exceeds payment' },
  payment_not_reserved: { status: 409, title: 'Payment not in escrow' },
  condition_not_met: { status: 422, title: 'Condition not met' },
  condition_expired: { status: 409, title: 'Condition expired' },
  statement_too_large: { status: 422, title: 'Statement too large' },
  uetr_conflict: { status: 409, title: 'UETR already used' },
  debtor_agent_mismatch: { status: 422, title: 'Debtor agent mismatch' },
  four_eyes_required: { status: 403, title: 'Four eyes required' },
  request_expired: { status: 409, title: 'Request expired' },
  request_not_pending: { status: 409, title: 'Request not pending' },
  screening_list_invalid: { status: 422, title: 'Screening list invalid' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
};

/** A gateway problem by code: status and title come from the table, never from the call site. */
export function problem(code: GatewayErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  const { status, title } = GATEWAY_ERROR_HTTP[code];
  return new ProblemError(status, code, title, detail, errors, headers);
}

/** `400 validation_failed` for one field. */
export function fieldProblem(path: string, message: string, detail = 'the request is not valid'): ProblemError {
  return problem('validation_failed', detail, [{ path, message }]);
}
