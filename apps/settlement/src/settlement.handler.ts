import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { FinalityMessage, SettlementRequest, Topic, finalitySchema, settlementRequestSchema } from '@nostro/shared';
import { SettlementService } from './settlement.service';

/** Kafka adapters: each batch is handled in one Postgres transaction with its offsets (KafkaPgTransport). */
@Controller()
export class SettlementHandler {
  constructor(@Inject(SettlementService) private readonly service: SettlementService) {}

  @EventPattern(Topic.SETTLEMENT_REQUESTS, { schema: settlementRequestSchema })
  async onRequests(@Payload() batch: KafkaBatch<SettlementRequest>): Promise<void> {
    await this.service.handleRequests(batch.ctx, batch.messages);
  }

  @EventPattern(Topic.LEDGER_FINALITY, { schema: finalitySchema })
  async onFinality(@Payload() batch: KafkaBatch<FinalityMessage>): Promise<void> {
    await this.service.handleFinality(batch.ctx, batch.messages);
  }
}
