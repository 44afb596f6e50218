import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch, PoolClient } from '@nostro/platform';
import { PaymentStatusEvent, SettlementEvent, Topic, settlementEventSchema } from '@nostro/shared';
import { ParticipantsRepository } from './participants.repository';
import { PaymentsRepository } from './payments.repository';
import { RequestWaiter } from './request-waiter';
import { webhooksFor } from './webhooks/webhook.events';
import { WebhookRepository } from './webhooks/webhook.repository';

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
  ) {}

  @EventPattern(Topic.SETTLEMENT_EVENTS, { schema: settlementEventSchema })
  async onEvents(@Payload() batch: KafkaBatch<SettlementEvent>): Promise<void> {
    const { tx } = batch.ctx;
    for (const { value: e } of batch.messages) {
      if (e.kind === 'payment.status') {
        await this.onPaymentStatus(tx, e);
        continue;
      }
      if (e.kind !== 'request.status') continue;
      const { rowCount } = await tx.query(
        `UPDATE admin_requests SET status = $2, reason = $3, block_height = $4, block_hash = $5, updated_at = now()
          WHERE request_id = $1 AND status = 'SUBMITTED'`,
        [e.requestId, e.status, e.reason ?? null, e.block?.height ?? null, e.block?.hash ?? null],
      );
      if ((rowCount ?? 0) > 0) await tx.query(RequestWaiter.notifySql(), [e.requestId]);
    }
  }

  private async onPaymentStatus(tx: PoolClient, e: PaymentStatusEvent): Promise<void> {
    const at = new Date(e.at);
    if (!(await this.payments.applyStatus(tx, { uetr: e.uetr, status: e.status, reason: e.reason, at, block: e.block }))) return;
    const payment = await this.payments.findAny(e.uetr, tx);
    if (!payment) return;
    const timeline = (await this.payments.timelines([e.uetr], tx)).get(e.uetr) ?? [];
    const debtor = await this.participants.find(payment.participant, tx);
    const creditor = await this.participants.find(payment.creditor_participant, tx);
    const deliveries = webhooksFor({
      sourceId: e.id,
      status: e.status,
      at,
      payment,
      timeline,
      webhookUrls: { debtor: debtor?.webhook_url ?? null, creditor: creditor?.webhook_url ?? null },
    });
    await this.webhooks.enqueue(tx, deliveries);
  }
}
