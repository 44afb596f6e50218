import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Idempotency-Key handling (API.md "Idempotency"). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type IdempotencyErrorCode = 'idempotency_key_required' | 'idempotency_conflict' | 'idempotency_in_progress' | 'validation_failed';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function idempotencyError(code: IdempotencyErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
