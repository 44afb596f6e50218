import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Participants' request-signing keys, as operators and banks manage them. Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type ParticipantsErrorCode = 'validation_failed' | 'not_found' | 'key_exists' | 'key_id_reserved' | 'public_key_in_use' | 'last_key' | 'limit_exceeded';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function participantsError(code: ParticipantsErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
