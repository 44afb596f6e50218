/** fx-quote's domain error codes (API.md); `quote_invalid` means a stored quote no longer matches its signature. */
export type QuoteErrorCode =
  | 'corridor_unavailable'
  | 'amount_out_of_range'
  | 'rate_stale'
  | 'insufficient_liquidity'
  | 'ledger_unavailable'
  | 'quote_not_found'
  | 'quote_expired'
  | 'quote_already_used'
  | 'quote_invalid'
  /** A pacs.008 transaction whose IntrBkSttlmAmt is not the quote's sendAmount in its source currency. */
  | 'amount_mismatch'
  /** A pacs.008 transaction whose creditor agent is not the quote's creditor participant. */
  | 'creditor_mismatch';

export class QuoteError extends Error {
  constructor(
    readonly code: QuoteErrorCode,
    message: string,
    /** The request field at fault, for validation problems (`sendAmount`, `receiveAmount`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'QuoteError';
  }
}

export interface QuoteProblemShape {
  status: number;
  title: string;
  /** The problem code when it differs from the domain code. */
  code?: string;
  retryAfterS?: number;
}

/** HTTP mapping; exhaustive, so a new code without a status does not compile. */
export const QUOTE_ERROR_HTTP: Record<QuoteErrorCode, QuoteProblemShape> = {
  corridor_unavailable: { status: 422, title: 'Corridor unavailable' },
  amount_out_of_range: { status: 400, title: 'Validation failed', code: 'validation_failed' },
  rate_stale: { status: 422, title: 'Rate stale', retryAfterS: 5 },
  insufficient_liquidity: { status: 422, title: 'Insufficient liquidity' },
  ledger_unavailable: { status: 503, title: 'Service unavailable', code: 'service_unavailable', retryAfterS: 1 },
  quote_not_found: { status: 404, title: 'Quote not found' },
  quote_expired: { status: 409, title: 'Quote expired' },
  quote_already_used: { status: 409, title: 'Quote already used' },
  quote_invalid: { status: 422, title: 'Quote invalid' },
  amount_mismatch: { status: 422, title: 'Amount mismatch' },
  creditor_mismatch: { status: 422, title: 'Creditor mismatch' },
};

/** An RFC 9457 problem body for one item of a batch (the same fields the HTTP filter writes). */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

export function problemBody(error: QuoteError): ProblemBody {
  const http = QUOTE_ERROR_HTTP[error.code];
  const code = http.code ?? error.code;
  return {
    type: `https://nostro.dev/problems/${code}`,
    title: http.title,
    status: http.status,
    detail: error.message,
    code,
    ...(error.field ? { errors: [{ path: error.field, message: error.message }] } : {}),
  };
}
