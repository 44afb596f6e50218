import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { PaymentStatusEvent, SettlementEvent, Topic, settlementEventSchema } from '@nostro/shared';
import { LiquidityService } from './liquidity.service';

/**
 * settlement.events → FX reservations: a payment's final status settles or releases what its quote reserved.
 * KafkaPgTransport commits the reservation changes, the consumed offsets and the message ids in one transaction.
 */
@Controller()
export class ReservationHandler {
  constructor(@Inject(LiquidityService) private readonly liquidity: LiquidityService) {}

  @EventPattern(Topic.SETTLEMENT_EVENTS, { schema: settlementEventSchema })
  async onEvents(@Payload() batch: KafkaBatch<SettlementEvent>): Promise<void> {
    const payments = batch.messages.map((m) => m.value).filter((e): e is PaymentStatusEvent => e.kind === 'payment.status');
    await this.liquidity.onPaymentEvents(batch.ctx.tx, payments);
  }
}
