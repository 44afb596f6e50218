import { counter } from '@nostro/platform';

/** fx-quote's business metrics (Prometheus, on /metrics). */
export const quoteMetrics = {
  issued: counter('fx_quotes_issued_total', 'Quotes issued'),
  used: counter('fx_quotes_used_total', 'Quotes used by a payment (first use only; idempotent retries are not counted)'),
  expired: counter('fx_quotes_expired_total', 'Quotes that expired unused and released their reservation'),
  refused: counter('fx_quotes_refused_total', 'Quote requests or uses refused, by reason', ['reason']),
  released: counter('fx_reservations_released_total', 'FX liquidity reservations released, by reason', ['reason']),
  tampered: counter('fx_quotes_signature_mismatch_total', 'Stored quotes whose signature no longer verifies, by store', ['store']),
};
