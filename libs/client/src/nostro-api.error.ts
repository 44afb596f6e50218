/** Errors thrown by the Nostro clients. */
import type { ProblemDetails } from './types';

/** A non-2xx answer. `code` is the problem's machine code, or `http_<status>` when the body is not a problem. */
export class NostroApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly problem: ProblemDetails,
    /** From `Retry-After`, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(`${status} ${code}${problem.detail === undefined ? '' : `: ${problem.detail}`}`);
    this.name = 'NostroApiError';
  }
}

/** The request never got an HTTP answer (connection refused or reset, timeout). */
export class NostroNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NostroNetworkError';
  }
}
