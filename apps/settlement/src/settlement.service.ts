import { BatchContext, ConsumedMessage, OutboxMessage } from '@nostro/platform';
import { FinalityMessage, PaymentIntentMessage, SettlementRequest } from '@nostro/shared';
import { FinalityService } from './finality.service';
import { LedgerRequestService } from './ledger-request.service';
import { ExceptionService } from './exception.service';
import { PaymentService } from './payment.service';

/**
 * Entry point of the Kafka handlers. Each batch runs in the transport's one Postgres transaction, which also holds
 * the consumed offsets and message ids: the state changes, the outbox rows they cause and the offsets commit together.
 */
export class SettlementService {
  constructor(
    private readonly payments: PaymentService,
    private readonly requests: LedgerRequestService,
    private readonly finality: FinalityService,
    private readonly exceptions: ExceptionService,
  ) {}

  async handleRequests(ctx: BatchContext, messages: ConsumedMessage<SettlementRequest>[]): Promise<void> {
    const out: OutboxMessage[] = [];
    // Consecutive payment intents are accepted together (a few statements for the run); anything else between them
    // (a decision, a limit change) keeps its place in the order.
    let run: { intent: PaymentIntentMessage; headers: Record<string, string> }[] = [];
    const flush = async () => {
      if (run.length > 0) out.push(...(await this.payments.acceptMany(ctx, run)));
      run = [];
    };
    for (const { value, correlationId } of messages) {
      const headers = { 'x-correlation-id': correlationId };
      if (value.kind === 'payment.intent') {
        run.push({ intent: value, headers });
        continue;
      }
      await flush();
      out.push(...(await this.handleRequest(ctx, value, headers)));
    }
    await flush();
    await ctx.publish(out);
  }

  private handleRequest(ctx: BatchContext, value: SettlementRequest, headers: Record<string, string>): Promise<OutboxMessage[]> {
    switch (value.kind) {
      case 'payment.intent':
        return this.payments.accept(ctx, value, headers);
      case 'payment.decision':
        return this.payments.decide(ctx, value, headers);
      case 'transfer.request':
        return this.requests.transfer(ctx, value, headers);
      case 'participant.config':
        return this.requests.configureParticipant(ctx, value, headers);
      case 'limits.set':
        return this.requests.setLimits(ctx, value, headers);
      case 'payment.cancel':
      case 'payment.recall':
      case 'recall.response':
      case 'payment.return':
      case 'payment.fulfil':
        return this.exceptions.handle(ctx, value, headers);
    }
  }

  async handleFinality(ctx: BatchContext, messages: ConsumedMessage<FinalityMessage>[]): Promise<void> {
    const out: OutboxMessage[] = [];
    for (const { value, correlationId } of messages) out.push(...(await this.finality.take(ctx, value, { 'x-correlation-id': correlationId })));
    await ctx.publish(out);
  }
}
