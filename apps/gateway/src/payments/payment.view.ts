import { exceptionFields } from '../exceptions/exception.view';
import { NO_EXCEPTIONS, PaymentExceptions } from '../exceptions/exceptions.repository';
import { OpenedParties, PARTIES_PLACEHOLDER, PartiesFields, partiesFields } from '../customer-data/customer-data.service';
import { PaymentRow, TimelineRow } from './payments.repository';

/** Stand-in for a payment's parties in a stored document (a webhook payload), filled in when it is read. */
export const PARTIES_LATER = Symbol('parties filled in when the document is read');

/**
 * API.md `GET /v1/payments/{uetr}` body; `exceptions`: its recall and returns (none before it settled). `parties`
 * (the creditor's and operators' views): the opened customer data, or {@link PARTIES_LATER} for a placeholder.
 */
export function paymentView(
  row: PaymentRow,
  timeline: TimelineRow[],
  parties: OpenedParties | typeof PARTIES_LATER | null = null,
  exceptions: PaymentExceptions = NO_EXCEPTIONS,
) {
  const q = row.quote;
  return {
    uetr: row.uetr,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.status === 'QUEUED' && row.queued_until ? { queuedUntil: row.queued_until.toISOString() } : {}),
    ...conditionFields(row),
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
    ...partyFields(row.uetr, parties),
  };
}

/** A conditional payment's hash-lock, and while it is RESERVED the block time at which its escrow goes back to the debtor. */
function conditionFields(row: PaymentRow): { condition?: { type: 'sha256'; hash: string; expiresAt: string }; reservedUntil?: string } {
  if (row.condition_hash === null || row.condition_expires_at === null) return {};
  const condition = { type: 'sha256' as const, hash: row.condition_hash, expiresAt: row.condition_expires_at.toISOString() };
  if (row.status !== 'RESERVED') return { condition };
  return { condition, reservedUntil: (row.reserved_until ?? row.condition_expires_at).toISOString() };
}

function partyFields(uetr: string, parties: OpenedParties | typeof PARTIES_LATER | null): PartiesFields & { [PARTIES_PLACEHOLDER]?: string } {
  if (parties === PARTIES_LATER) return { [PARTIES_PLACEHOLDER]: uetr };
  return parties ? partiesFields(parties) : {};
}
