import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Quotes as the gateway answers them itself (fx-quote's own codes pass through unchanged). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type QuotesErrorCode = 'validation_failed' | 'corridor_unavailable' | 'participant_suspended' | 'service_unavailable';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function quotesError(code: QuotesErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
