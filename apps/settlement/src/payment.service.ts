import { Logger, OutboxMessage, PoolClient, topicName } from '@nostro/platform';
import {
  AmountParseError,
  LedgerTransfer,
  Outcome,
  PaymentDecisionMessage,
  PaymentIntentMessage,
  RejectReason,
  Topic,
  buildPaymentPostings,
  decide,
  holdDeadline,
  holdFor,
  quoteTotalDebitMinor,
  transition,
  verifyQuote,
} from '@nostro/shared';
import { SettlementConfig, holdDeadlineMs } from './config';
import { DecisionRepository } from './decision.repository';
import { LimitsRepository } from './limits.repository';
import { PaymentRepository, PaymentRow, StatusChange } from './payment.repository';
import { metrics } from './settlement.metrics';
import { StatusEvents } from './status-events';

type Headers = Record<string, string>;

/** Where a transition's outbox messages go: the consumer's batch transaction, or a sweeper's own. */
export interface TxContext {
  tx: PoolClient;
}

/** The ledger's final word on one payment transaction, from a verified finality record or proof. */
export interface LedgerOutcome {
  uetr: string;
  outcome: Outcome;
  block: { height: number; hash: string };
}

/**
 * The payment state machine: RECEIVED → (HELD) → SUBMITTED → SETTLED | REJECTED. Every transition goes through
 * `transition()`, is stored with its timeline entry, and returns the status event (and ledger transaction) to
 * enqueue in the same Postgres transaction.
 */
export class PaymentService {
  constructor(
    private readonly config: SettlementConfig,
    private readonly payments: PaymentRepository,
    private readonly decisions: DecisionRepository,
    private readonly limits: LimitsRepository,
    private readonly events: StatusEvents,
    private readonly log: Logger,
  ) {}

  /** payment.intent: recorded once per uetr; the quote is used once; then rejected, held or submitted. */
  async accept(ctx: TxContext, intent: PaymentIntentMessage, headers: Headers): Promise<OutboxMessage[]> {
    const acceptedAt = new Date(intent.acceptedAt);
    const fresh = await this.payments.insertReceived(ctx.tx, { uetr: intent.uetr, participant: intent.participant, quote: intent.quote, acceptedAt });
    if (!fresh) return [];
    const now = new Date();
    metrics.hopSeconds.labels('intake').observe(Math.max(0, now.getTime() - acceptedAt.getTime()) / 1000);
    const row: PaymentRow = { uetr: intent.uetr, participant: intent.participant, status: 'RECEIVED', quote: intent.quote, not_after: null, held_until: null, hold_source: null, submitted_at: null };
    const reason = await this.refusal(ctx.tx, intent);
    if (reason) return this.reject(ctx, row, reason, 'settlement check', now, headers);
    const holdAboveMinor = await this.limits.holdAbove(ctx.tx, intent.participant, intent.quote.sourceCurrency);
    const hold = holdFor({ totalDebitMinor: quoteTotalDebitMinor(intent.quote), holdAboveMinor, screening: intent.screening });
    if (!hold) return this.submit(ctx, row, now, 'submitted to the ledger', headers);
    const change: StatusChange = { uetr: row.uetr, status: transition('RECEIVED', 'HELD'), reason: null, at: now, cause: `held: ${hold.source}`, hold: { ...hold, until: holdDeadline(now, holdDeadlineMs(this.config)) } };
    await this.payments.applyChanges(ctx.tx, [change]);
    return [this.events.payment(row.participant, change, headers)];
  }

  /** Why settlement refuses the intent outright, or null. Records the quote's use (authoritative) when it is good. */
  private async refusal(tx: PoolClient, intent: PaymentIntentMessage): Promise<string | null> {
    const { quote } = intent;
    if (quote.participant !== intent.participant || !verifyQuote(quote, this.config.FX_PUBLIC_KEY)) return RejectReason.QUOTE_INVALID;
    try {
      buildPaymentPostings(quote);
    } catch (error) {
      // A quote whose amounts do not parse or add up is refused, never retried for ever (a poison message).
      if (!(error instanceof RangeError || error instanceof AmountParseError)) throw error;
      return RejectReason.QUOTE_INVALID;
    }
    if (intent.acceptedAt > Date.parse(quote.expiresAt)) return RejectReason.QUOTE_EXPIRED;
    if (!(await this.payments.useQuote(tx, quote.id, intent.uetr))) return RejectReason.QUOTE_ALREADY_USED;
    return null;
  }

  /** The ledger transaction of a payment: the quote's balanced postings, refused by the ledger after `notAfter`. */
  transferOf(row: PaymentRow, notAfter: Date): LedgerTransfer {
    return { kind: 'transfer', id: row.uetr, uetr: row.uetr, postings: buildPaymentPostings(row.quote), notAfter: notAfter.getTime() };
  }

  private async submit(ctx: TxContext, row: PaymentRow, now: Date, cause: string, headers: Headers): Promise<OutboxMessage[]> {
    const notAfter = new Date(now.getTime() + this.config.PAYMENT_NOT_AFTER_MS);
    const change: StatusChange = { uetr: row.uetr, status: transition(row.status, 'SUBMITTED'), reason: null, at: now, cause, notAfter };
    await this.payments.applyChanges(ctx.tx, [change]);
    const ledgerTx: OutboxMessage = { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: this.transferOf(row, notAfter), headers };
    return [ledgerTx, this.events.payment(row.participant, change, headers)];
  }

  private async reject(ctx: TxContext, row: PaymentRow, reason: string, cause: string, now: Date, headers: Headers): Promise<OutboxMessage[]> {
    const change: StatusChange = { uetr: row.uetr, status: transition(row.status, 'REJECTED'), reason, at: now, cause };
    await this.payments.applyChanges(ctx.tx, [change]);
    return [this.events.payment(row.participant, change, headers)];
  }

  /**
   * payment.decision: recorded once per request; M distinct approvals submit the payment, one rejection rejects it;
   * the outcome goes back to the gateway as a request.status event after the payment's own event.
   */
  async decide(ctx: TxContext, msg: PaymentDecisionMessage, headers: Headers): Promise<OutboxMessage[]> {
    if (await this.decisions.seen(ctx.tx, msg.requestId)) return [];
    const row = await this.payments.lockOne(ctx.tx, msg.uetr);
    const recorded = row ? await this.decisions.recorded(ctx.tx, row.uetr) : [];
    const view = row && { status: row.status, heldUntil: row.held_until, decidedBy: recorded.map((d) => d.operatorId), approvals: recorded.filter((d) => d.decision === 'approve').length };
    const now = new Date();
    const outcome = decide(view, { operatorId: msg.operator.id, decision: msg.decision }, this.config.HOLD_APPROVALS_REQUIRED, now);
    const refusal = outcome.kind === 'refused' ? outcome.code : null;
    await this.decisions.insert(ctx.tx, { requestId: msg.requestId, uetr: msg.uetr, operatorId: msg.operator.id, operatorName: msg.operator.name, decision: msg.decision, comment: msg.comment ?? null, refusal, decidedAt: new Date(msg.at) });
    metrics.decisions.labels(refusal ?? `${msg.decision}d`).inc();
    const out = row ? await this.afterDecision(ctx, row, outcome, msg, now, headers) : [];
    const reply = this.events.request({ requestId: msg.requestId, status: refusal ? 'REJECTED' : 'SETTLED', reason: refusal, key: msg.uetr });
    return [...out, { ...reply, headers }];
  }

  private async afterDecision(ctx: TxContext, row: PaymentRow, outcome: ReturnType<typeof decide>, msg: PaymentDecisionMessage, now: Date, headers: Headers): Promise<OutboxMessage[]> {
    const who = `operator ${msg.operator.name} (${msg.operator.id})`;
    if (outcome.kind === 'refused') {
      return outcome.expireHold ? this.reject(ctx, row, RejectReason.HOLD_EXPIRED, 'hold deadline passed', now, headers) : [];
    }
    if (outcome.next === 'REJECTED') return this.reject(ctx, row, RejectReason.REJECTED_BY_OPERATOR, `rejected by ${who}${msg.comment ? `: ${msg.comment}` : ''}`, now, headers);
    if (outcome.next === 'SUBMITTED') return this.submit(ctx, row, now, `approved by ${outcome.approvals} of ${this.config.HOLD_APPROVALS_REQUIRED}, last ${who}`, headers);
    return [];
  }

  /** Rejects held payments whose hold lapsed (the REJECTED event releases their FX reservation). */
  async expireHolds(ctx: TxContext, rows: readonly PaymentRow[], now: Date): Promise<OutboxMessage[]> {
    const out: OutboxMessage[] = [];
    for (const row of rows) out.push(...(await this.reject(ctx, row, RejectReason.HOLD_EXPIRED, 'hold deadline passed', now, {})));
    if (rows.length > 0) this.log.info({ count: rows.length }, 'held payments expired');
    return out;
  }

  /**
   * Applies the ledger's final outcome to payments still SUBMITTED; anything else (already final, never submitted)
   * changes nothing. Called with finality records from Kafka and with proofs fetched for overdue payments.
   */
  async applyLedgerOutcomes(ctx: TxContext, outcomes: readonly LedgerOutcome[], cause: string, headers: Headers): Promise<OutboxMessage[]> {
    const byUetr = new Map(outcomes.map((o) => [o.uetr, o]));
    const rows = await this.payments.lockPayments(ctx.tx, [...byUetr.keys()]);
    const at = new Date();
    const changes: (StatusChange & { participant: string })[] = [];
    for (const row of rows) {
      const o = byUetr.get(row.uetr) as LedgerOutcome;
      if (row.status !== 'SUBMITTED') {
        if (row.status === 'RECEIVED' || row.status === 'HELD') this.log.error({ uetr: row.uetr, status: row.status, height: o.block.height }, 'ledger outcome for a payment never submitted');
        continue;
      }
      const status = transition(row.status, o.outcome.status === 'accepted' ? 'SETTLED' : 'REJECTED');
      const reason = o.outcome.status === 'rejected' ? o.outcome.reason : null;
      if (row.submitted_at) metrics.hopSeconds.labels('ledger').observe(Math.max(0, at.getTime() - row.submitted_at.getTime()) / 1000);
      changes.push({ uetr: row.uetr, participant: row.participant, status, reason, at, cause: `${cause} ${o.block.height}`, blockHeight: o.block.height, blockHash: o.block.hash });
    }
    await this.payments.applyChanges(ctx.tx, changes);
    return changes.map((c) => this.events.payment(c.participant, c, headers));
  }
}
