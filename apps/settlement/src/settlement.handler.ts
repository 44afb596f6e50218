import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { FinalityMessage, SettlementRequest, Topic, finalitySchema, settlementRequestSchema } from '@nostro/shared';
import { SettlementService } from './settlement.service';

/** Kafka adapters: each batch is handled in one Postgres transaction with its offsets (KafkaPgTransport). */
@Controller()
export class SettlementHandler {
  constructor(@Inject(SettlementService) private readonly service: SettlementService) {}

  // Idempotent by business key (no inbox row): a payment is recorded once per uetr (payments, quote_uses), every other
  // request once per request id (ledger_requests, payment_decisions, exception_requests); a copy changes nothing.
  @EventPattern(Topic.SETTLEMENT_REQUESTS, { schema: settlementRequestSchema, idempotent: true })
  async onRequests(@Payload() batch: KafkaBatch<SettlementRequest>): Promise<void> {
    await this.service.handleRequests(batch.ctx, batch.messages);
  }

  // Idempotent by business key (no inbox row): a final block is taken once per height (finalized_blocks).
  @EventPattern(Topic.LEDGER_FINALITY, { schema: finalitySchema, idempotent: true })
  async onFinality(@Payload() batch: KafkaBatch<FinalityMessage>): Promise<void> {
    await this.service.handleFinality(batch.ctx, batch.messages);
  }
}
