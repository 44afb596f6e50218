import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { PaymentStatusEvent, SettlementEvent, Topic, settlementEventSchema } from '@nostro/shared';
import { LiquidityService } from './liquidity.service';

/**
 * settlement.events → FX reservations: a payment's final status settles or releases what its quote reserved.
 * KafkaPgTransport commits the reservation changes and the consumed offsets in one transaction.
 */
@Controller()
export class ReservationHandler {
  constructor(@Inject(LiquidityService) private readonly liquidity: LiquidityService) {}

  // Idempotent by business key (no inbox row): every change applies only to a quote whose reservation is still `used`.
  // Most events (a payment SUBMITTED, a request's outcome) move no reservation: a batch of only those needs no transaction.
  @EventPattern(Topic.SETTLEMENT_EVENTS, { schema: settlementEventSchema, idempotent: true, relevant: LiquidityService.concerns })
  async onEvents(@Payload() batch: KafkaBatch<SettlementEvent>): Promise<void> {
    const payments = batch.messages.map((m) => m.value).filter((e): e is PaymentStatusEvent => e.kind === 'payment.status');
    await this.liquidity.onPaymentEvents(batch.ctx.tx, payments);
  }
}
