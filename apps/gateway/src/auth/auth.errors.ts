import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Authentication and authorisation (bank signatures, operator tokens and roles, media types, rate limits). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type AuthErrorCode =
  | 'signature_missing'
  | 'signature_invalid'
  | 'key_unknown'
  | 'digest_mismatch'
  | 'signature_expired'
  | 'signature_replayed'
  | 'unauthorized'
  | 'forbidden'
  | 'participant_suspended'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_found';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function authError(code: AuthErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
