import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatch } from '@nostro/platform';
import { BlockSignatureMessage, Topic, blockSignatureSchema } from '@nostro/shared';
import { FinalityService } from './finality.service';

/** Kafka adapter: validator signatures → FinalityService, in the transport's Postgres transaction. */
@Controller()
export class SignaturesHandler {
  constructor(@Inject(FinalityService) private readonly finality: FinalityService) {}

  @EventPattern(Topic.LEDGER_SIGNATURES, { schema: blockSignatureSchema })
  async onSignatures(@Payload() batch: KafkaBatch<BlockSignatureMessage>): Promise<void> {
    await this.finality.recordSignatures(
      batch.ctx.tx,
      batch.messages.map((m) => m.value),
    );
  }
}
