import { OutboxMessage, topicName } from '@nostro/platform';
import { PaymentStatusEvent, RecallStatusEvent, RequestStatusEvent, ReturnStatusEvent, SignedQuote, Topic, newMessageId } from '@nostro/shared';
import { RecallRow, ReturnRow } from './exception.repository';
import { StatusChange } from './payment.repository';
import { metrics } from './settlement.metrics';

/** Builds the settlement.events messages: one per payment transition, one per finished operator request. */
export class StatusEvents {
  constructor(private readonly topicPrefix: string) {}

  private topic(): string {
    return topicName(this.topicPrefix, Topic.SETTLEMENT_EVENTS);
  }

  /** The event of one transition, keyed by uetr so a payment's events stay in order on one partition. */
  payment(participant: string, change: StatusChange, headers: Record<string, string> = {}): OutboxMessage {
    metrics.transitions.labels(change.status).inc();
    if (change.status === 'REJECTED' && change.reason) metrics.rejections.labels(change.reason).inc();
    const reason = change.reason ?? change.hold?.reason;
    const event: PaymentStatusEvent = {
      kind: 'payment.status',
      id: newMessageId(),
      uetr: change.uetr,
      participant,
      status: change.status,
      ...(reason ? { reason } : {}),
      at: change.at.getTime(),
      ...(change.blockHeight ? { block: { height: change.blockHeight, hash: change.blockHash as string } } : {}),
      ...(change.status === 'QUEUED' && change.notAfter ? { queuedUntil: change.notAfter.getTime() } : {}),
      ...(change.status === 'RESERVED' && change.notAfter ? { reservedUntil: change.notAfter.getTime() } : {}),
      ...(change.ledgerTxId ? { ledgerTxId: change.ledgerTxId } : {}),
    };
    return { topic: this.topic(), key: change.uetr, payload: event, headers };
  }

  /**
   * The outcome of an operator request (deposit, withdrawal, limits, decision). `key` groups it with what it is
   * about: a decision's outcome follows its payment's transition on the same partition.
   */
  request(r: {
    requestId: string;
    status: 'SETTLED' | 'REJECTED';
    reason: string | null;
    block?: { height: number; hash: string };
    key?: string;
  }): OutboxMessage {
    const event: RequestStatusEvent = {
      kind: 'request.status',
      id: newMessageId(),
      requestId: r.requestId,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
      at: Date.now(),
      ...(r.block ? { block: r.block } : {}),
    };
    return { topic: this.topic(), key: r.key ?? r.requestId, payload: event };
  }

  /** A recall's state, keyed by its payment's uetr so it stays in order with the payment's other events. */
  recall(r: RecallRow, headers: Record<string, string> = {}): OutboxMessage {
    const resolved = r.status !== 'PENDING' && r.resolved_at !== null;
    const event: RecallStatusEvent = {
      kind: 'recall.status',
      id: newMessageId(),
      uetr: r.uetr,
      recallId: r.recall_id,
      status: r.status,
      reason: r.reason as RecallStatusEvent['reason'],
      ...(r.comment ? { comment: r.comment } : {}),
      respondBy: r.respond_by.getTime(),
      ...(resolved
        ? {
            resolution: {
              ...(r.resolution_reason ? { reason: r.resolution_reason } : {}),
              ...(r.return_id ? { returnId: r.return_id } : {}),
              at: (r.resolved_at as Date).getTime(),
            },
          }
        : {}),
      at: (r.resolved_at ?? r.requested_at).getTime(),
    };
    metrics.recalls.labels(r.status).inc();
    return { topic: this.topic(), key: r.uetr, payload: event, headers };
  }

  /** A return's state (RECEIVED, then SETTLED or REJECTED), keyed by its payment's uetr. */
  returned(r: ReturnRow, quote: SignedQuote, at: Date, headers: Record<string, string> = {}): OutboxMessage {
    const event: ReturnStatusEvent = {
      kind: 'return.status',
      id: newMessageId(),
      uetr: r.uetr,
      returnId: r.return_id,
      ...(r.recall_id ? { recallId: r.recall_id } : {}),
      status: r.status,
      amountMinor: r.amount_minor,
      currency: quote.targetCurrency,
      sourceAmountMinor: r.source_amount_minor,
      sourceCurrency: quote.sourceCurrency,
      reason: r.reason,
      ...(r.reject_reason ? { rejectReason: r.reject_reason } : {}),
      at: at.getTime(),
      ...(r.block_height !== null && r.block_hash ? { block: { height: Number(r.block_height), hash: r.block_hash } } : {}),
    };
    metrics.returns.labels(r.status).inc();
    return { topic: this.topic(), key: r.uetr, payload: event, headers };
  }
}
