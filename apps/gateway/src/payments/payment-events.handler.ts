import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch, PoolClient } from '@nostro/platform';
import { PaymentStatusEvent, RecallStatusEvent, ReturnStatusEvent, SettlementEvent, Topic, settlementEventSchema } from '@nostro/shared';
import { ExceptionsRepository } from '../exceptions/exceptions.repository';
import { LedgerClient } from '../ledger/ledger.client';
import { ParticipantRow, ParticipantsRepository } from '../participants/participants.repository';
import { PaymentState, PaymentsRepository } from './payments.repository';
import { AdminRequestsRepository } from '../admin/admin-requests.repository';
import { exceptionWebhooks, hasWebhooks, webhooksFor } from '../webhooks/webhook.events';
import { WebhookRepository } from '../webhooks/webhook.repository';

/**
 * settlement.events → the gateway's read model (payment timelines, admin request outcomes) and the webhook outbox,
 * all in the transaction that records the consumed offsets (KafkaPgTransport): a status is applied, and its
 * webhooks queued, exactly once.
 */
@Controller()
export class EventsHandler {
  constructor(
    @Inject(PaymentsRepository) private readonly payments: PaymentsRepository,
    @Inject(ParticipantsRepository) private readonly participants: ParticipantsRepository,
    @Inject(WebhookRepository) private readonly webhooks: WebhookRepository,
    @Inject(AdminRequestsRepository) private readonly requests: AdminRequestsRepository,
    @Inject(ExceptionsRepository) private readonly exceptions: ExceptionsRepository,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
  ) {}

  // Idempotent by business key (no inbox row): a status enters a payment's timeline once (its unique key), a recall or
  // return changes once per step, an operator request's outcome only while SUBMITTED, a webhook once per source event.
  @EventPattern(Topic.SETTLEMENT_EVENTS, { schema: settlementEventSchema, idempotent: true })
  async onEvents(@Payload() batch: KafkaBatch<SettlementEvent>): Promise<void> {
    const { tx } = batch.ctx;
    let statuses: PaymentStatusEvent[] = [];
    for (const { value: e } of batch.messages) {
      // A block an outcome names is final: balances read after it must include it (LedgerClient.balances).
      if ('block' in e && e.block) this.ledger.observeFinal(e.block.height);
      // Payment statuses and operator requests touch different tables: each kind keeps its own order. A recall or
      // return follows the statuses before it (a return's webhook shows its payment as of then).
      if (e.kind === 'payment.status') {
        statuses.push(e);
      } else if (e.kind === 'request.status') {
        await this.requests.recordOutcome(tx, e);
      } else {
        await this.onPaymentStatuses(tx, statuses);
        statuses = [];
        await this.onException(tx, e);
      }
    }
    await this.onPaymentStatuses(tx, statuses);
  }

  /** A recall's or return's change: its read-model row, its timeline entry, and the webhooks it causes. */
  private async onException(tx: PoolClient, e: RecallStatusEvent | ReturnStatusEvent): Promise<void> {
    const recall = e.kind === 'recall.status' ? await this.exceptions.applyRecall(tx, e) : null;
    const ret = e.kind === 'return.status' ? await this.exceptions.applyReturn(tx, e) : null;
    if (!recall && !ret) return;
    const at = new Date(e.at);
    const status = e.kind === 'recall.status' ? `RECALL_${e.status === 'PENDING' ? 'REQUESTED' : e.status}` : `RETURN_${e.status}`;
    const reason = e.kind === 'recall.status' ? (e.status === 'PENDING' ? e.reason : (e.resolution?.reason ?? null)) : (e.rejectReason ?? e.reason);
    const ref = e.kind === 'recall.status' ? e.recallId : e.returnId;
    await this.exceptions.addTimeline(tx, [{ uetr: e.uetr, status, reason, at, ref }]);
    const payment = await this.payments.findAny(e.uetr, tx);
    if (!payment) return;
    const participants = await this.participants.findMany([payment.participant, payment.creditor_participant], tx);
    const webhookUrls = {
      debtor: participants.get(payment.participant)?.webhook_url ?? null,
      creditor: participants.get(payment.creditor_participant)?.webhook_url ?? null,
    };
    if (!webhookUrls.debtor && !webhookUrls.creditor) return;
    const [timelines, exceptions] = await Promise.all([this.payments.timelines([e.uetr], tx), this.exceptions.forPayments([e.uetr], tx)]);
    const deliveries = exceptionWebhooks({
      sourceId: e.id,
      at,
      payment,
      timeline: timelines.get(e.uetr) ?? [],
      exceptions: exceptions.get(e.uetr) ?? { recall: null, returns: [] },
      webhookUrls,
      ...(recall ? { recall } : {}),
      ...(ret ? { ret } : {}),
    });
    await this.webhooks.enqueue(tx, deliveries);
  }

  /**
   * Applies a batch's payment statuses together, then queues the webhooks they cause (one statement each). Only
   * events that notify a participant with a webhook URL have their timeline read.
   */
  private async onPaymentStatuses(tx: PoolClient, events: readonly PaymentStatusEvent[]): Promise<void> {
    if (events.length === 0) return;
    let participants = new Map<string, ParticipantRow>();
    const urls = (payment: PaymentState) => ({
      debtor: participants.get(payment.participant)?.webhook_url ?? null,
      creditor: participants.get(payment.creditor_participant)?.webhook_url ?? null,
    });
    const applied = await this.payments.applyStatuses(
      tx,
      events.map((e) => ({
        uetr: e.uetr,
        status: e.status,
        reason: e.reason,
        at: new Date(e.at),
        block: e.block,
        id: e.id,
        queuedUntil: e.queuedUntil,
        reservedUntil: e.reservedUntil,
        ledgerTxId: e.ledgerTxId,
      })),
      async (changes) => {
        const notifying = changes.filter((a) => hasWebhooks(a.event.status));
        if (notifying.length === 0) return new Set();
        participants = await this.participants.findMany(
          notifying.flatMap((a) => [a.payment.participant, a.payment.creditor_participant]),
          tx,
        );
        const hooked = notifying.filter((a) => urls(a.payment).debtor !== null || urls(a.payment).creditor !== null);
        return new Set(hooked.map((a) => a.event.uetr));
      },
    );
    const deliveries = applied.flatMap((a) =>
      a.timeline && hasWebhooks(a.event.status)
        ? webhooksFor({ sourceId: a.event.id, status: a.event.status, at: a.event.at, payment: a.payment, timeline: a.timeline, webhookUrls: urls(a.payment) })
        : [],
    );
    await this.webhooks.enqueue(tx, deliveries);
  }
}
