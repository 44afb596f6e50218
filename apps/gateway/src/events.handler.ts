import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { SettlementEvent, Topic, settlementEventSchema } from '@nostro/shared';
import { PaymentsRepository } from './payments.repository';
import { RequestWaiter } from './request-waiter';

/** settlement.events → the gateway's read model (payment timelines, admin request outcomes). */
@Controller()
export class EventsHandler {
  constructor(@Inject(PaymentsRepository) private readonly payments: PaymentsRepository) {}

  @EventPattern(Topic.SETTLEMENT_EVENTS, { schema: settlementEventSchema })
  async onEvents(@Payload() batch: KafkaBatch<SettlementEvent>): Promise<void> {
    const { tx } = batch.ctx;
    for (const { value: e } of batch.messages) {
      if (e.kind === 'payment.status') {
        await this.payments.applyStatus(tx, { uetr: e.uetr, status: e.status, reason: e.reason, at: new Date(e.at), block: e.block });
        continue;
      }
      const { rowCount } = await tx.query(
        `UPDATE admin_requests SET status = $2, reason = $3, block_height = $4, block_hash = $5, updated_at = now()
          WHERE request_id = $1 AND status = 'SUBMITTED'`,
        [e.requestId, e.status, e.reason ?? null, e.block?.height ?? null, e.block?.hash ?? null],
      );
      if ((rowCount ?? 0) > 0) await tx.query(RequestWaiter.notifySql(), [e.requestId]);
    }
  }
}
