import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Payments and incoming payments (API.md "Payments"). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type PaymentsErrorCode =
  'validation_failed' | 'not_found' | 'limit_exceeded' | 'participant_suspended' | 'service_unavailable' | 'uetr_conflict' | 'debtor_agent_mismatch';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function paymentsError(code: PaymentsErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
