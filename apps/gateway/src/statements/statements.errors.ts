import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Account entries and statements (API.md). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type StatementsErrorCode = 'validation_failed' | 'not_found' | 'statement_too_large' | 'service_unavailable';

export function statementsError(code: StatementsErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
