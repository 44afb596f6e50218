import { Logger, OutboxMessage } from '@nostro/platform';
import { FinalityMessage, blockHash, verifyBlockSignatureFast } from '@nostro/shared-node';
import { SettlementConfig } from './config';
import { LedgerRequestRepository } from './ledger-request.repository';
import { LedgerRequestService } from './ledger-request.service';
import { ExceptionService, ReturnOutcome } from './exception.service';
import { LedgerOutcome, PaymentService, TxContext } from './payment.service';
import { metrics } from './settlement.metrics';

/**
 * Takes in the ledger's finality records: each verified once (hash and quorum of known validators), recorded once
 * per height with the outcome of every transaction, then applied to payments and operator requests.
 */
export class FinalityService {
  private readonly validatorKeys: Map<string, string>;

  constructor(
    private readonly config: SettlementConfig,
    private readonly requests: LedgerRequestRepository,
    private readonly payments: PaymentService,
    private readonly ledgerRequests: LedgerRequestService,
    private readonly exceptions: ExceptionService,
    private readonly log: Logger,
  ) {
    this.validatorKeys = new Map(config.VALIDATOR_PUBLIC_KEYS.map((v) => [v.id, v.publicKey]));
  }

  /** True when the record's hash matches its header and a quorum of distinct known validators signed it. */
  trustworthy(record: FinalityMessage): boolean {
    const { hash, ...header } = record.block;
    if (blockHash(header) !== hash) return false;
    const signers = new Set<string>();
    for (const s of record.signatures) {
      const key = this.validatorKeys.get(s.validator);
      if (key && !signers.has(s.validator) && verifyBlockSignatureFast(hash, s.signature, key)) signers.add(s.validator);
    }
    return signers.size >= this.config.LEDGER_QUORUM;
  }

  /** One record (every validator publishes its own; the first verified one per height counts, later ones are dropped). */
  async take(ctx: TxContext, record: FinalityMessage, headers: Record<string, string>): Promise<OutboxMessage[]> {
    if (await this.requests.isBlockKnown(ctx.tx, record.block.height)) return [];
    if (!this.trustworthy(record)) {
      metrics.refusedFinality.inc();
      this.log.error({ height: record.block.height }, 'finality record refused: hash or quorum signatures do not verify');
      return [];
    }
    if (!(await this.requests.recordBlock(ctx.tx, record))) return [];
    const block = { height: record.block.height, hash: record.block.hash };
    // A payment's transaction carries its uetr; a return's carries the payment's uetr and its own returnId.
    const transfers = record.transactions.filter((t) => t.kind === 'transfer' && t.uetr);
    const outcomes: LedgerOutcome[] = transfers
      .filter((t) => !t.returnId && t.escrow?.step !== 'fulfil' && t.escrow?.step !== 'expiry')
      .map((t) => ({
        uetr: t.uetr as string,
        outcome: t.outcome,
        block,
        ...(t.escrow ? { escrow: { step: t.escrow.step, txId: t.id, expiresAt: t.escrow.expiresAt } } : {}),
      }));
    // An escrow's fulfilment or expiry, after its reservation (both may be in one block).
    const escrowSteps = transfers
      .filter((t) => t.escrow?.step === 'fulfil' || t.escrow?.step === 'expiry')
      .map((t) => ({ uetr: t.uetr as string, outcome: t.outcome, block, escrow: { step: t.escrow?.step as 'fulfil' | 'expiry', txId: t.id } }));
    const returns: ReturnOutcome[] = transfers
      .filter((t) => t.returnId)
      .map((t) => ({ returnId: t.returnId as string, uetr: t.uetr as string, outcome: t.outcome, block }));
    // Queued first: a payment queued and decided in the same block goes SUBMITTED → QUEUED → its outcome.
    const queued = (record.queued ?? []).flatMap((q) => (q.uetr ? [{ uetr: q.uetr, expiresAt: q.expiresAt, block }] : []));
    const waiting = await this.payments.applyQueued(ctx, queued, headers);
    const payments = await this.payments.applyLedgerOutcomes(ctx, outcomes, 'ledger block', headers);
    const escrows = await this.payments.applyLedgerOutcomes(ctx, escrowSteps, 'ledger block', headers);
    const fulfilments = await this.exceptions.answerFulfilments(
      ctx,
      escrowSteps.map((e) => ({ uetr: e.uetr, step: e.escrow.step, outcome: e.outcome })),
      headers,
    );
    const cancels = await this.exceptions.answerQueuedCancels(ctx, outcomes, headers);
    const returned = await this.exceptions.applyReturnOutcomes(ctx, returns, headers);
    return [...waiting, ...payments, ...escrows, ...fulfilments, ...cancels, ...returned, ...(await this.ledgerRequests.finish(ctx, record))];
  }
}
