import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** The operator API: operators, participants, keys, funding, held payments and limits. Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type AdminErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'participant_exists'
  | 'key_exists'
  | 'key_id_reserved'
  | 'public_key_in_use'
  | 'corridor_unavailable'
  | 'limit_exceeded'
  | 'account_unknown';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function adminError(code: AdminErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
