import { FieldError, ProblemError } from '@nostro/platform';

/** Every problem code the console's API raises itself (forwarded admin API problems keep their own codes). */
export type OpsErrorCode =
  'validation_failed' | 'unauthorized' | 'session_expired' | 'forbidden' | 'origin_mismatch' | 'not_found' | 'too_many_streams' | 'service_unavailable';

/** HTTP mapping; exhaustive, so a new code without a status does not compile. */
export const OPS_ERROR_HTTP: Record<OpsErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Validation failed' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  session_expired: { status: 401, title: 'Session expired' },
  forbidden: { status: 403, title: 'Forbidden' },
  origin_mismatch: { status: 403, title: 'Cross-origin request refused' },
  not_found: { status: 404, title: 'Not found' },
  too_many_streams: { status: 503, title: 'Too many live streams' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
};

export function opsProblem(code: OpsErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  const { status, title } = OPS_ERROR_HTTP[code];
  return new ProblemError(status, code, title, detail, errors, headers);
}
