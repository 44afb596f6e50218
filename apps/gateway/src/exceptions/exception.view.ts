import { asCurrency, formatAmount } from '@nostro/shared';
import { PaymentExceptions, RecallRow, ReturnRow } from './exceptions.repository';

/** API.md `returns[]` item. */
export function returnView(r: ReturnRow) {
  return {
    returnId: r.return_id,
    status: r.status,
    amount: formatAmount(BigInt(r.amount_minor), asCurrency(r.currency)),
    currency: r.currency,
    sourceAmount: formatAmount(BigInt(r.source_amount_minor), asCurrency(r.source_currency)),
    sourceCurrency: r.source_currency,
    reason: r.reason,
    ...(r.reject_reason ? { rejectReason: r.reject_reason } : {}),
    ...(r.recall_id ? { recallId: r.recall_id } : {}),
    ...(r.block_height !== null && r.block_hash ? { block: { height: Number(r.block_height), hash: r.block_hash } } : {}),
  };
}

/** API.md `recall`. */
export function recallView(r: RecallRow) {
  return {
    recallId: r.recall_id,
    status: r.status,
    reason: r.reason,
    ...(r.comment ? { comment: r.comment } : {}),
    respondBy: r.respond_by.toISOString(),
    ...(r.resolution
      ? {
          resolution: {
            ...(r.resolution.reason ? { reason: r.resolution.reason } : {}),
            ...(r.resolution.returnId ? { returnId: r.resolution.returnId } : {}),
            at: new Date(r.resolution.at).toISOString(),
          },
        }
      : {}),
  };
}

/** `returnedAmount`, `returns` and `recall` of a payment's view; settled returns count, in the target currency. */
export function exceptionFields(targetCurrency: string, e: PaymentExceptions) {
  const returned = e.returns.filter((r) => r.status === 'SETTLED').reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
  return {
    returnedAmount: formatAmount(returned, asCurrency(targetCurrency)),
    returns: e.returns.map(returnView),
    ...(e.recall ? { recall: recallView(e.recall) } : {}),
  };
}
