import { OutboxMessage, topicName } from '@nostro/platform';
import { PaymentStatusEvent, RequestStatusEvent, Topic, newMessageId } from '@nostro/shared';
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
}
