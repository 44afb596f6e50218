import { Clock, Logger, OutboxMessage, systemClock, topicName } from '@nostro/platform';
import {
  ExceptionRefusal,
  LedgerDequeue,
  LedgerFulfil,
  LedgerRejection,
  PaymentFulfilMessage,
  RejectReason,
  preimageMatches,
  LedgerTransfer,
  Outcome,
  PaymentCancelMessage,
  PaymentRecallMessage,
  PaymentReturnMessage,
  RETURN_FOLLOWING_RECALL,
  RecallResponseMessage,
  Topic,
  buildReturnPostings,
  isCancellable,
  returnAmount,
  returnSourceMinor,
  returnableOf,
  transition,
} from '@nostro/shared';
import { SettlementConfig } from './config';
import { ExceptionKind, ExceptionRepository, RecallRow, ReturnRow } from './exception.repository';
import { PaymentRepository, PaymentRow } from './payment.repository';
import { TxContext } from './payment.service';
import { metrics } from './settlement.metrics';
import { StatusEvents } from './status-events';

type Headers = Record<string, string>;
type ExceptionRequest = PaymentCancelMessage | PaymentRecallMessage | RecallResponseMessage | PaymentReturnMessage | PaymentFulfilMessage;

const KIND: Record<ExceptionRequest['kind'], ExceptionKind> = {
  'payment.cancel': 'cancel',
  'payment.recall': 'recall',
  'recall.response': 'recall_response',
  'payment.return': 'return',
  'payment.fulfil': 'fulfil',
};

/** The ledger's final word on one return transaction. */
export interface ReturnOutcome {
  returnId: string;
  uetr: string;
  outcome: Outcome;
  block: { height: number; hash: string };
}

/** A refusal, or the messages an accepted request causes (answered now, or once the ledger decided: `awaiting`). */
type Decided = { refusal: ExceptionRefusal } | { messages: OutboxMessage[]; awaiting?: true };

/**
 * The way back (docs/exceptions.md): cancel before the ledger, recall and return after it. Each request is decided
 * once by its request id, under its payment's row lock, in order with the payment's other events; its answer to
 * the gateway (`request.status`, keyed by the uetr) follows the events it caused on the same partition.
 */
export class ExceptionService {
  constructor(
    private readonly config: SettlementConfig,
    private readonly payments: PaymentRepository,
    private readonly repo: ExceptionRepository,
    private readonly events: StatusEvents,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** One cancel, recall, recall answer or return: recorded, decided, answered. A redelivered one changes nothing. */
  async handle(ctx: TxContext, msg: ExceptionRequest, headers: Headers): Promise<OutboxMessage[]> {
    const kind = KIND[msg.kind];
    if (!(await this.repo.recordRequest(ctx.tx, { requestId: msg.requestId, kind, uetr: msg.uetr, participant: msg.participant }))) return [];
    const row = await this.payments.lockOne(ctx.tx, msg.uetr);
    const decided = row ? await this.decide(ctx, row, msg, headers) : { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    if ('refusal' in decided) {
      await this.repo.refuseRequest(ctx.tx, msg.requestId, decided.refusal);
      metrics.exceptionRefusals.labels(kind, decided.refusal).inc();
      return [{ ...this.events.request({ requestId: msg.requestId, status: 'REJECTED', reason: decided.refusal, key: msg.uetr }), headers }];
    }
    if (decided.awaiting) return decided.messages;
    return [...decided.messages, { ...this.events.request({ requestId: msg.requestId, status: 'SETTLED', reason: null, key: msg.uetr }), headers }];
  }

  /**
   * Answers the cancels of queued payments once the ledger decided them (a final block, or a proof the timeout sweep
   * fetched): done when the ledger took the payment out of its queue (`cancelled`), refused with
   * payment_not_cancellable when it settled or timed out first. Each answer follows the payment's own event.
   */
  async answerQueuedCancels(ctx: TxContext, outcomes: readonly { uetr: string; outcome: Outcome }[], headers: Headers): Promise<OutboxMessage[]> {
    const waiting = await this.repo.takeAwaiting(
      ctx.tx,
      'cancel',
      outcomes.map((o) => o.uetr),
    );
    const byUetr = new Map(outcomes.map((o) => [o.uetr, o.outcome]));
    const out: OutboxMessage[] = [];
    for (const w of waiting) {
      const outcome = byUetr.get(w.uetr);
      const done = outcome?.status === 'rejected' && outcome.reason === LedgerRejection.CANCELLED;
      if (!done) {
        await this.repo.refuseRequest(ctx.tx, w.requestId, ExceptionRefusal.PAYMENT_NOT_CANCELLABLE);
        metrics.exceptionRefusals.labels('cancel', ExceptionRefusal.PAYMENT_NOT_CANCELLABLE).inc();
      }
      const reply = this.events.request({
        requestId: w.requestId,
        status: done ? 'SETTLED' : 'REJECTED',
        reason: done ? null : ExceptionRefusal.PAYMENT_NOT_CANCELLABLE,
        key: w.uetr,
      });
      out.push({ ...reply, headers });
    }
    return out;
  }

  private decide(ctx: TxContext, row: PaymentRow, msg: ExceptionRequest, headers: Headers): Promise<Decided> {
    switch (msg.kind) {
      case 'payment.cancel':
        return this.cancel(ctx, row, msg, headers);
      case 'payment.recall':
        return this.recall(ctx, row, msg, headers);
      case 'recall.response':
        return this.respond(ctx, row, msg, headers);
      case 'payment.return':
        return this.giveBack(ctx, row, msg, headers);
      case 'payment.fulfil':
        return this.fulfil(ctx, row, msg, headers);
    }
  }

  /**
   * RECEIVED or HELD → CANCELLED (the event releases the FX reservation; the quote stays used). A QUEUED payment is
   * on the ledger: only the validators can take it out of its queue, so a dequeue entry goes to them and the cancel
   * is answered when the ledger decided (answerQueuedCancels).
   */
  private async cancel(ctx: TxContext, row: PaymentRow, msg: PaymentCancelMessage, headers: Headers): Promise<Decided> {
    // Another bank's payment does not exist for the caller.
    if (row.participant !== msg.participant) return { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    if (!isCancellable(row.status)) return { refusal: ExceptionRefusal.PAYMENT_NOT_CANCELLABLE };
    if (row.status === 'QUEUED') {
      await this.repo.awaitLedger(ctx.tx, msg.requestId);
      const dequeue: LedgerDequeue = { kind: 'dequeue', id: msg.id, txId: row.uetr };
      this.log.info({ uetr: row.uetr, operator: msg.operator?.id }, 'cancel of a queued payment sent to the ledger');
      return { messages: [{ topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: dequeue, headers }], awaiting: true };
    }
    const change = {
      uetr: row.uetr,
      status: transition(row.status, 'CANCELLED'),
      reason: msg.reason ?? null,
      at: this.clock(),
      cause: `cancelled by ${msg.operator ? `operator ${msg.operator.name} (${msg.operator.id}) for ` : ''}${msg.participant}${msg.reason ? `: ${msg.reason}` : ''}`,
    };
    await this.payments.applyChanges(ctx.tx, [change]);
    return { messages: [this.events.payment(row.participant, change, headers)] };
  }

  /**
   * An escrowed (RESERVED) payment released by its creditor bank with the preimage of its condition: checked here too
   * (the gateway checks first), then sent to the ledger, which decides by block time; answered when it did
   * (answerFulfilments).
   */
  private async fulfil(ctx: TxContext, row: PaymentRow, msg: PaymentFulfilMessage, headers: Headers): Promise<Decided> {
    if (row.quote.creditorParticipant !== msg.participant) return { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    if (row.status === 'REJECTED' && row.reason === RejectReason.CONDITION_EXPIRED) return { refusal: ExceptionRefusal.CONDITION_EXPIRED };
    if (row.status !== 'RESERVED' || row.condition === null) return { refusal: ExceptionRefusal.PAYMENT_NOT_RESERVED };
    if (!preimageMatches(msg.preimage, row.condition.hash)) return { refusal: ExceptionRefusal.CONDITION_NOT_MET };
    await this.repo.awaitLedger(ctx.tx, msg.requestId);
    const entry: LedgerFulfil = { kind: 'fulfil', id: msg.id, txId: row.uetr, preimage: msg.preimage };
    return { messages: [{ topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: entry, headers }], awaiting: true };
  }

  /**
   * Answers fulfilments once the ledger decided the escrow: done when a fulfilment paid it out; refused with the
   * ledger's reason when one was refused (a wrong preimage, too late), or condition_expired when it expired first.
   */
  async answerFulfilments(
    ctx: TxContext,
    steps: readonly { uetr: string; step: 'fulfil' | 'expiry'; outcome: Outcome }[],
    headers: Headers,
  ): Promise<OutboxMessage[]> {
    const waiting = await this.repo.takeAwaiting(
      ctx.tx,
      'fulfil',
      steps.map((s) => s.uetr),
    );
    const out: OutboxMessage[] = [];
    for (const w of waiting) {
      // The last step of the payment in the block decides (a refused fulfilment may come before the one that paid out).
      const step = [...steps].reverse().find((s) => s.uetr === w.uetr) as (typeof steps)[number];
      const done = step.step === 'fulfil' && step.outcome.status === 'accepted';
      const reason = done
        ? null
        : step.step === 'expiry'
          ? ExceptionRefusal.CONDITION_EXPIRED
          : step.outcome.status === 'rejected' && step.outcome.reason === LedgerRejection.CONDITION_NOT_MET
            ? ExceptionRefusal.CONDITION_NOT_MET
            : ExceptionRefusal.CONDITION_EXPIRED;
      if (reason) {
        await this.repo.refuseRequest(ctx.tx, w.requestId, reason);
        metrics.exceptionRefusals.labels('fulfil', reason).inc();
      }
      out.push({ ...this.events.request({ requestId: w.requestId, status: done ? 'SETTLED' : 'REJECTED', reason, key: w.uetr }), headers });
    }
    return out;
  }

  /** A SETTLED payment without a pending recall gets one, answered by the creditor bank before `respondBy`. */
  private async recall(ctx: TxContext, row: PaymentRow, msg: PaymentRecallMessage, headers: Headers): Promise<Decided> {
    if (row.participant !== msg.participant) return { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    if (row.status === 'RETURNED') return { refusal: ExceptionRefusal.PAYMENT_RETURNED };
    if (row.status !== 'SETTLED') return { refusal: ExceptionRefusal.PAYMENT_NOT_SETTLED };
    if (await this.repo.pendingRecall(ctx.tx, row.uetr)) return { refusal: ExceptionRefusal.RECALL_PENDING };
    const at = new Date(msg.at);
    const recall = await this.repo.insertRecall(ctx.tx, {
      recallId: msg.requestId,
      uetr: row.uetr,
      reason: msg.reason,
      comment: msg.comment ?? null,
      respondBy: new Date(at.getTime() + this.config.RECALL_RESPOND_WITHIN_MS),
      at,
    });
    return { messages: [this.events.recall(recall, headers)] };
  }

  /** The creditor bank's answer: reject (with an ISO reason) or accept, which returns all or part of the payment. */
  private async respond(ctx: TxContext, row: PaymentRow, msg: RecallResponseMessage, headers: Headers): Promise<Decided> {
    if (row.quote.creditorParticipant !== msg.participant) return { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    const recall = await this.repo.pendingRecall(ctx.tx, row.uetr);
    if (!recall) return { refusal: (await this.repo.hasRecall(ctx.tx, row.uetr)) ? ExceptionRefusal.RECALL_NOT_PENDING : ExceptionRefusal.PAYMENT_NOT_FOUND };
    const at = this.clock();
    if (msg.decision === 'reject') {
      if (!msg.reason) return { refusal: ExceptionRefusal.VALIDATION_FAILED };
      const resolved = await this.repo.resolveRecall(ctx.tx, { recallId: recall.recall_id, status: 'REJECTED', reason: msg.reason, returnId: null, at });
      return { messages: [this.events.recall(resolved, headers)] };
    }
    const made = await this.makeReturn(
      ctx,
      row,
      { returnId: msg.requestId, recallId: recall.recall_id, reason: RETURN_FOLLOWING_RECALL, amountMinor: msg.amountMinor },
      at,
    );
    if ('refusal' in made) return made;
    const resolved = await this.repo.resolveRecall(ctx.tx, { recallId: recall.recall_id, status: 'ACCEPTED', reason: null, returnId: msg.requestId, at });
    return { messages: [this.events.recall(resolved, headers), ...made.messages.map((m) => ({ ...m, headers }))] };
  }

  /** A return the creditor bank makes on its own (no recall). */
  private async giveBack(ctx: TxContext, row: PaymentRow, msg: PaymentReturnMessage, headers: Headers): Promise<Decided> {
    if (row.quote.creditorParticipant !== msg.participant) return { refusal: ExceptionRefusal.PAYMENT_NOT_FOUND };
    // Nothing is left of a RETURNED payment: asking for more is asking beyond what was received.
    if (row.status === 'RETURNED') return { refusal: ExceptionRefusal.RETURN_EXCEEDS_PAYMENT };
    if (row.status !== 'SETTLED') return { refusal: ExceptionRefusal.PAYMENT_NOT_SETTLED };
    const made = await this.makeReturn(ctx, row, { returnId: msg.requestId, recallId: null, reason: msg.reason, amountMinor: msg.amountMinor }, this.clock());
    return 'refusal' in made ? made : { messages: made.messages.map((m) => ({ ...m, headers })) };
  }

  /**
   * Records a return of a SETTLED payment and submits its ledger transaction: never more than what settled and
   * in-flight returns left (`return_exceeds_payment`, never trimmed), paid back at the original rate rounded down.
   */
  private async makeReturn(
    ctx: TxContext,
    row: PaymentRow,
    r: { returnId: string; recallId: string | null; reason: string; amountMinor: string | undefined },
    at: Date,
  ): Promise<Decided> {
    if (row.status !== 'SETTLED') return { refusal: row.status === 'RETURNED' ? ExceptionRefusal.PAYMENT_RETURNED : ExceptionRefusal.PAYMENT_NOT_SETTLED };
    const payment = returnableOf(row.quote, await this.repo.takenMinor(ctx.tx, row.uetr));
    const amountMinor = returnAmount(payment, r.amountMinor === undefined ? undefined : BigInt(r.amountMinor));
    if (amountMinor === null) return { refusal: ExceptionRefusal.RETURN_EXCEEDS_PAYMENT };
    const sourceAmountMinor = returnSourceMinor(payment, amountMinor);
    const stored = await this.repo.insertReturn(ctx.tx, { ...r, uetr: row.uetr, amountMinor, sourceAmountMinor, receiveMinor: payment.receiveMinor, at });
    const transfer: LedgerTransfer = {
      kind: 'transfer',
      id: r.returnId,
      uetr: row.uetr,
      returnId: r.returnId,
      postings: buildReturnPostings(row.quote, amountMinor, sourceAmountMinor),
    };
    const ledgerTx: OutboxMessage = { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: transfer };
    return { messages: [ledgerTx, this.events.returned(stored, row.quote, at)] };
  }

  /**
   * Applies the ledger's final outcome to returns still RECEIVED: SETTLED or REJECTED (with the ledger's reason);
   * a payment whose settled returns reach its receive amount becomes RETURNED. Anything already final changes nothing.
   */
  async applyReturnOutcomes(ctx: TxContext, outcomes: readonly ReturnOutcome[], headers: Headers): Promise<OutboxMessage[]> {
    if (outcomes.length === 0) return [];
    // Payments first, then their returns: the order every exception handler locks them in.
    const payments = new Map((await this.payments.lockPayments(ctx.tx, [...new Set(outcomes.map((o) => o.uetr))])).map((p) => [p.uetr, p]));
    const byId = new Map(outcomes.map((o) => [o.returnId, o]));
    const open = await this.repo.lockOpenReturns(ctx.tx, [...byId.keys()]);
    const at = this.clock();
    const out: OutboxMessage[] = [];
    for (const ret of open) {
      const o = byId.get(ret.return_id) as ReturnOutcome;
      const payment = payments.get(ret.uetr);
      if (!payment) throw new Error(`return ${ret.return_id} of an unknown payment ${ret.uetr}`);
      const accepted = o.outcome.status === 'accepted';
      const rejectReason = o.outcome.status === 'rejected' ? o.outcome.reason : null;
      await this.repo.finishReturn(ctx.tx, { returnId: ret.return_id, status: accepted ? 'SETTLED' : 'REJECTED', rejectReason, block: o.block });
      const finished: ReturnRow = {
        ...ret,
        status: accepted ? 'SETTLED' : 'REJECTED',
        reject_reason: rejectReason,
        block_height: String(o.block.height),
        block_hash: o.block.hash,
      };
      out.push({ ...this.events.returned(finished, payment.quote, at), headers });
      if (accepted) out.push(...(await this.completeIfReturned(ctx, payment, o.block.height, at, headers)));
    }
    return out;
  }

  /** SETTLED → RETURNED once settled returns gave back the whole receive amount. */
  private async completeIfReturned(ctx: TxContext, payment: PaymentRow, height: number, at: Date, headers: Headers): Promise<OutboxMessage[]> {
    if (payment.status !== 'SETTLED') return [];
    const settled = await this.repo.settledMinor(ctx.tx, payment.uetr);
    if (settled < returnableOf(payment.quote, 0n).receiveMinor) return [];
    const change = { uetr: payment.uetr, status: transition(payment.status, 'RETURNED'), reason: null, at, cause: `returned in full, block ${height}` };
    await this.payments.applyChanges(ctx.tx, [change]);
    payment.status = 'RETURNED';
    return [this.events.payment(payment.participant, change, headers)];
  }

  /** Pending recalls past `respondBy` become EXPIRED (settlement's sweeper; the rows survive restarts). */
  async expireRecalls(ctx: TxContext, rows: readonly RecallRow[], now: Date): Promise<OutboxMessage[]> {
    const out: OutboxMessage[] = [];
    for (const row of rows) {
      const expired = await this.repo.resolveRecall(ctx.tx, { recallId: row.recall_id, status: 'EXPIRED', reason: null, returnId: null, at: now });
      out.push(this.events.recall(expired));
    }
    if (rows.length > 0) this.log.info({ count: rows.length }, 'unanswered recalls expired');
    return out;
  }
}
