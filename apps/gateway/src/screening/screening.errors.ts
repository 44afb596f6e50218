import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Sanctions screening and per-participant limits. Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type ScreeningErrorCode = 'validation_failed' | 'not_found' | 'limit_exceeded' | 'screening_list_invalid';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function screeningError(code: ScreeningErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
