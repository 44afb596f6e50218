import { FieldError, ProblemError } from '@nostro/platform';
import { ExceptionRefusal } from '@nostro/shared';
import { problem } from '../http/gateway.errors';

/**
 * Cancel, recall and return (API.md "Cancel, recall, return"): settlement's refusals (ExceptionRefusal) plus the
 * gateway's own. Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts).
 */
export type ExceptionsErrorCode = ExceptionRefusal | 'service_unavailable';

export function exceptionsError(code: ExceptionsErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
