import { exceptionFields } from '../exceptions/exception.view';
import { NO_EXCEPTIONS, PaymentExceptions } from '../exceptions/exceptions.repository';
import { PaymentRow, TimelineRow } from './payments.repository';

/** API.md `GET /v1/payments/{uetr}` body; `exceptions`: its recall and returns (none before it settled). */
export function paymentView(row: PaymentRow, timeline: TimelineRow[], withParties = false, exceptions: PaymentExceptions = NO_EXCEPTIONS) {
  const q = row.quote;
  return {
    uetr: row.uetr,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    endToEndId: row.end_to_end_id,
    debtorParticipant: row.participant,
    creditorParticipant: row.creditor_participant,
    quote: {
      id: q.id,
      sourceCurrency: q.sourceCurrency,
      targetCurrency: q.targetCurrency,
      midRate: q.midRate,
      rate: q.rate,
      markupBps: q.markupBps,
      fees: q.fees,
      expiresAt: q.expiresAt,
    },
    sourceCurrency: q.sourceCurrency,
    targetCurrency: q.targetCurrency,
    sendAmount: q.sendAmount,
    receiveAmount: q.receiveAmount,
    totalDebit: q.totalDebit,
    createdAt: row.created_at.toISOString(),
    timeline: timeline.map((t) => ({ status: t.status, at: t.at.toISOString(), ...(t.reason ? { reason: t.reason } : {}) })),
    ...(row.block_height !== null && row.block_hash ? { block: { height: Number(row.block_height), hash: row.block_hash } } : {}),
    ...exceptionFields(q.targetCurrency, exceptions),
    ...(withParties ? { debtor: row.debtor, creditor: row.creditor, ...(row.remittance_info ? { remittanceInfo: row.remittance_info } : {}) } : {}),
  };
}
