/** fx-quote's domain error codes (API.md). */
export type QuoteErrorCode = 'corridor_unavailable' | 'quote_not_found' | 'quote_expired' | 'quote_already_used' | 'amount_out_of_range';

export class QuoteError extends Error {
  constructor(
    readonly code: QuoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QuoteError';
  }
}

/** HTTP mapping; exhaustive, so a new code without a status does not compile. */
export const QUOTE_ERROR_HTTP: Record<QuoteErrorCode, { status: number; title: string; code?: string }> = {
  corridor_unavailable: { status: 422, title: 'Corridor unavailable' },
  amount_out_of_range: { status: 400, title: 'Validation failed', code: 'validation_failed' },
  quote_not_found: { status: 404, title: 'Quote not found' },
  quote_expired: { status: 409, title: 'Quote expired' },
  quote_already_used: { status: 409, title: 'Quote already used' },
};
