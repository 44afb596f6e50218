import { ProblemError } from '@nostro/platform';

/** The RFC 9457 body of a problem, as stored for idempotent replay. */
export function problemBody(error: ProblemError) {
  return {
    type: `https://nostro.dev/problems/${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail ?? error.title,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
