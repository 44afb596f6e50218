import { Clock, Logger, OutboxMessage, PoolClient, systemClock, topicName } from '@nostro/platform';
import {
  AmountParseError,
  LedgerRejection,
  LedgerTransfer,
  Outcome,
  PaymentDecisionMessage,
  PaymentIntentMessage,
  RejectReason,
  Topic,
  buildEscrowPostings,
  buildPaymentPostings,
  decide,
  holdDeadline,
  holdFor,
  quoteTotalDebitMinor,
  transition,
  VerifiedQuoteBatches,
  verifyQuote,
} from '@nostro/shared-node';
import { SettlementConfig, holdDeadlineMs } from './config';
import { DecisionRepository } from './decision.repository';
import { LimitsRepository, holdKey } from './limits.repository';
import { PaymentRepository, PaymentRow, StatusChange } from './payment.repository';
import { metrics } from './settlement.metrics';
import { StatusEvents } from './status-events';

type Headers = Record<string, string>;

/** One transition and the messages it causes, to be stored and enqueued together. */
interface Step {
  change: StatusChange;
  messages: OutboxMessage[];
}

/** Where a transition's outbox messages go: the consumer's batch transaction, or a sweeper's own. */
export interface TxContext {
  tx: PoolClient;
}

/** The ledger's final word on one payment transaction, from a verified finality record or proof. */
export interface LedgerOutcome {
  uetr: string;
  outcome: Outcome;
  block: { height: number; hash: string };
  /** An escrow's step (a reservation, its fulfilment or its expiry) and the ledger transaction that made it. */
  escrow?: { step: 'reserve' | 'fulfil' | 'expiry'; txId: string; expiresAt?: number };
}

/**
 * The payment state machine: RECEIVED → (HELD) → SUBMITTED → (QUEUED) → SETTLED | REJECTED. Every transition goes through
 * `transition()`, is stored with its timeline entry, and returns the status event (and ledger transaction) to
 * enqueue in the same Postgres transaction.
 */
export class PaymentService {
  /** fx-quote signs the quotes of one call in groups of up to 8: a group's signature is verified once, each path each time. */
  private readonly verifiedQuotes = new VerifiedQuoteBatches();

  constructor(
    private readonly config: SettlementConfig,
    private readonly payments: PaymentRepository,
    private readonly decisions: DecisionRepository,
    private readonly limits: LimitsRepository,
    private readonly events: StatusEvents,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** payment.intent: recorded once per uetr; the quote is used once; then rejected, held or submitted. */
  async accept(ctx: TxContext, intent: PaymentIntentMessage, headers: Headers): Promise<OutboxMessage[]> {
    return this.acceptMany(ctx, [{ intent, headers }]);
  }

  /**
   * Many payment intents (a run of them in one Kafka batch), each exactly as if it came alone and in order, in a
   * fixed number of statements whatever their number: check their quotes in memory, record the quotes' use (the
   * first intent naming a quote gets it), read the hold thresholds once per participant and currency, then record
   * every payment at once in the status its intake decided, with its timeline. A uetr recorded before (a redelivery)
   * changes nothing: its quote use and its row are refused by their unique keys, and it causes no message. Answers
   * the outbox messages in intent order.
   */
  async acceptMany(ctx: TxContext, intents: readonly { intent: PaymentIntentMessage; headers: Headers }[]): Promise<OutboxMessage[]> {
    // A uetr twice in the batch is judged once: the first intent carrying it is the one recorded.
    const uetrs = new Set<string>();
    const firsts = intents.filter(({ intent }) => !uetrs.has(intent.uetr) && uetrs.add(intent.uetr));
    if (firsts.length === 0) return [];
    const now = this.clock();
    const reasons = new Map<string, string>();
    for (const { intent } of firsts) {
      const reason = quoteRefusal(intent, this.config.FX_PUBLIC_KEY, this.verifiedQuotes);
      if (reason) reasons.set(intent.uetr, reason);
    }
    // The quote's use is recorded here authoritatively, whatever fx-quote's Redis and database said.
    const usable = firsts.filter(({ intent }) => !reasons.has(intent.uetr));
    const used = await this.payments.useQuotes(
      ctx.tx,
      usable.map(({ intent }) => ({ quoteId: intent.quote.id, uetr: intent.uetr })),
    );
    for (const { intent } of usable) if (!used.has(intent.uetr)) reasons.set(intent.uetr, RejectReason.QUOTE_ALREADY_USED);
    const thresholds = await this.limits.holdAboveMany(
      ctx.tx,
      firsts
        .filter(({ intent }) => !reasons.has(intent.uetr))
        .map(({ intent }) => ({ participant: intent.participant, currency: intent.quote.sourceCurrency })),
    );
    const steps: Step[] = firsts.map(({ intent, headers }) => {
      const row: PaymentRow = {
        uetr: intent.uetr,
        participant: intent.participant,
        status: 'RECEIVED',
        quote: intent.quote,
        not_after: null,
        held_until: null,
        hold_source: null,
        submitted_at: null,
        queue_for_ms: intent.liquidity?.queueForMs ?? null,
        condition: conditionOf(intent),
        reason: null,
      };
      const reason = reasons.get(intent.uetr);
      if (reason) return this.rejectStep(row, reason, 'settlement check', now, headers);
      const holdAboveMinor = thresholds.get(holdKey(intent.participant, intent.quote.sourceCurrency)) ?? null;
      const hold = holdFor({ totalDebitMinor: quoteTotalDebitMinor(intent.quote), holdAboveMinor, screening: intent.screening });
      if (!hold) return this.submitStep(row, now, 'submitted to the ledger', headers);
      const change: StatusChange = {
        uetr: row.uetr,
        status: transition('RECEIVED', 'HELD'),
        reason: null,
        at: now,
        cause: `held: ${hold.source}`,
        hold: { ...hold, until: holdDeadline(now, holdDeadlineMs(this.config)) },
      };
      return { change, messages: [this.events.payment(row.participant, change, headers)] };
    });
    const fresh = await this.payments.insertMany(
      ctx.tx,
      firsts.map(({ intent }, i) => ({
        intake: {
          uetr: intent.uetr,
          participant: intent.participant,
          quote: intent.quote,
          acceptedAt: new Date(intent.acceptedAt),
          queueForMs: intent.liquidity?.queueForMs,
          condition: conditionOf(intent),
        },
        change: steps[i].change,
      })),
    );
    const out: OutboxMessage[] = [];
    firsts.forEach(({ intent }, i) => {
      if (!fresh.has(intent.uetr)) return;
      metrics.hopSeconds.labels('intake').observe(Math.max(0, now.getTime() - intent.acceptedAt) / 1000);
      out.push(...steps[i].messages);
    });
    return out;
  }

  /** Stores the steps' transitions in one statement pair and answers their messages, in order. */
  private async apply(ctx: TxContext, steps: readonly Step[]): Promise<OutboxMessage[]> {
    await this.payments.applyChanges(
      ctx.tx,
      steps.map((s) => s.change),
    );
    return steps.flatMap((s) => s.messages);
  }

  /**
   * The ledger transaction of a payment: the quote's balanced postings, refused by the ledger after `notAfter`, and
   * when the payment asked for it, its time in the liquidity queue.
   */
  transferOf(row: PaymentRow, notAfter: Date): LedgerTransfer {
    const queue = row.queue_for_ms === null ? {} : { queueForMs: row.queue_for_ms };
    if (row.condition === null) {
      return { kind: 'transfer', id: row.uetr, uetr: row.uetr, postings: buildPaymentPostings(row.quote), notAfter: notAfter.getTime(), ...queue };
    }
    // A conditional payment reserves into escrow; the ledger pays out or refunds with the postings named here.
    const escrow = buildEscrowPostings(row.quote);
    return {
      kind: 'transfer',
      id: row.uetr,
      uetr: row.uetr,
      postings: escrow.reserve,
      notAfter: notAfter.getTime(),
      ...queue,
      condition: { hash: row.condition.hash, expiresAt: row.condition.expiresAt, fulfil: escrow.fulfil, refund: escrow.refund },
    };
  }

  private submit(ctx: TxContext, row: PaymentRow, now: Date, cause: string, headers: Headers): Promise<OutboxMessage[]> {
    return this.apply(ctx, [this.submitStep(row, now, cause, headers)]);
  }

  private reject(ctx: TxContext, row: PaymentRow, reason: string, cause: string, now: Date, headers: Headers): Promise<OutboxMessage[]> {
    return this.apply(ctx, [this.rejectStep(row, reason, cause, now, headers)]);
  }

  /** → SUBMITTED: the ledger transaction (refused by the ledger after `notAfter`) and the status event. */
  private submitStep(row: PaymentRow, now: Date, cause: string, headers: Headers): Step {
    const notAfter = new Date(now.getTime() + this.config.PAYMENT_NOT_AFTER_MS);
    const change: StatusChange = { uetr: row.uetr, status: transition(row.status, 'SUBMITTED'), reason: null, at: now, cause, notAfter };
    const ledgerTx: OutboxMessage = { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: this.transferOf(row, notAfter), headers };
    return { change, messages: [ledgerTx, this.events.payment(row.participant, change, headers)] };
  }

  private rejectStep(row: PaymentRow, reason: string, cause: string, now: Date, headers: Headers): Step {
    const change: StatusChange = { uetr: row.uetr, status: transition(row.status, 'REJECTED'), reason, at: now, cause };
    return { change, messages: [this.events.payment(row.participant, change, headers)] };
  }

  /**
   * payment.decision: recorded once per request; M distinct approvals submit the payment, one rejection rejects it;
   * the outcome goes back to the gateway as a request.status event after the payment's own event.
   */
  async decide(ctx: TxContext, msg: PaymentDecisionMessage, headers: Headers): Promise<OutboxMessage[]> {
    if (await this.decisions.seen(ctx.tx, msg.requestId)) return [];
    const row = await this.payments.lockOne(ctx.tx, msg.uetr);
    const recorded = row ? await this.decisions.recorded(ctx.tx, row.uetr) : [];
    const view = row && {
      status: row.status,
      heldUntil: row.held_until,
      decidedBy: recorded.map((d) => d.operatorId),
      approvals: recorded.filter((d) => d.decision === 'approve').length,
    };
    const now = this.clock();
    const outcome = decide(view, { operatorId: msg.operator.id, decision: msg.decision }, this.config.HOLD_APPROVALS_REQUIRED, now);
    const refusal = outcome.kind === 'refused' ? outcome.code : null;
    await this.decisions.insert(ctx.tx, {
      requestId: msg.requestId,
      uetr: msg.uetr,
      operatorId: msg.operator.id,
      operatorName: msg.operator.name,
      decision: msg.decision,
      comment: msg.comment ?? null,
      refusal,
      decidedAt: new Date(msg.at),
    });
    metrics.decisions.labels(refusal ?? `${msg.decision}d`).inc();
    const out = row ? await this.afterDecision(ctx, row, outcome, msg, now, headers) : [];
    const reply = this.events.request({ requestId: msg.requestId, status: refusal ? 'REJECTED' : 'SETTLED', reason: refusal, key: msg.uetr });
    return [...out, { ...reply, headers }];
  }

  private async afterDecision(
    ctx: TxContext,
    row: PaymentRow,
    outcome: ReturnType<typeof decide>,
    msg: PaymentDecisionMessage,
    now: Date,
    headers: Headers,
  ): Promise<OutboxMessage[]> {
    const who = `operator ${msg.operator.name} (${msg.operator.id})`;
    if (outcome.kind === 'refused') {
      return outcome.expireHold ? this.reject(ctx, row, RejectReason.HOLD_EXPIRED, 'hold deadline passed', now, headers) : [];
    }
    if (outcome.next === 'REJECTED')
      return this.reject(ctx, row, RejectReason.REJECTED_BY_OPERATOR, `rejected by ${who}${msg.comment ? `: ${msg.comment}` : ''}`, now, headers);
    if (outcome.next === 'SUBMITTED')
      return this.submit(ctx, row, now, `approved by ${outcome.approvals} of ${this.config.HOLD_APPROVALS_REQUIRED}, last ${who}`, headers);
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
   * SUBMITTED → QUEUED for the payments a final block put in the liquidity queue: their deadline (block time) becomes
   * their notAfter, so the overdue sweep asks the ledger only once it has passed. Anything else changes nothing (an
   * outcome that came first, a redelivery).
   */
  async applyQueued(
    ctx: TxContext,
    queued: readonly { uetr: string; expiresAt: number; block: { height: number } }[],
    headers: Headers,
  ): Promise<OutboxMessage[]> {
    const byUetr = new Map(queued.map((q) => [q.uetr, q]));
    const rows = await this.payments.lockStates(ctx.tx, [...byUetr.keys()]);
    const at = this.clock();
    const changes: (StatusChange & { participant: string })[] = [];
    for (const row of rows) {
      if (row.status !== 'SUBMITTED') continue;
      const q = byUetr.get(row.uetr) as (typeof queued)[number];
      changes.push({
        uetr: row.uetr,
        participant: row.participant,
        status: transition(row.status, 'QUEUED'),
        reason: null,
        at,
        cause: `short of funds: queued by ledger block ${q.block.height} until ${new Date(q.expiresAt).toISOString()}`,
        notAfter: new Date(q.expiresAt),
      });
    }
    await this.payments.applyChanges(ctx.tx, changes);
    return changes.map((c) => this.events.payment(c.participant, c, headers));
  }

  /**
   * Applies the ledger's final outcome to payments still SUBMITTED or QUEUED; anything else (already final, never
   * submitted) changes nothing. A queued payment the ledger took out of its queue for a cancel ends CANCELLED.
   * Called with finality records from Kafka and with proofs fetched for overdue payments.
   */
  async applyLedgerOutcomes(ctx: TxContext, outcomes: readonly LedgerOutcome[], cause: string, headers: Headers): Promise<OutboxMessage[]> {
    const byUetr = new Map(outcomes.map((o) => [o.uetr, o]));
    const rows = await this.payments.lockStates(ctx.tx, [...byUetr.keys()]);
    const at = this.clock();
    const changes: (StatusChange & { participant: string })[] = [];
    for (const row of rows) {
      const o = byUetr.get(row.uetr) as LedgerOutcome;
      const escrowStep = o.escrow?.step === 'fulfil' || o.escrow?.step === 'expiry';
      if (escrowStep) {
        // An escrow's fulfilment or expiry decides a RESERVED payment; a refused fulfilment changes nothing.
        if (row.status !== 'RESERVED' || o.outcome.status !== 'accepted') continue;
        const settled = o.escrow?.step === 'fulfil';
        changes.push({
          uetr: row.uetr,
          participant: row.participant,
          status: transition(row.status, settled ? 'SETTLED' : 'REJECTED'),
          reason: settled ? null : RejectReason.CONDITION_EXPIRED,
          at,
          cause: `${settled ? 'escrow fulfilled' : 'escrow expired'}: ${cause} ${o.block.height}`,
          blockHeight: o.block.height,
          blockHash: o.block.hash,
          ledgerTxId: o.escrow?.txId,
        });
        continue;
      }
      if (row.status !== 'SUBMITTED' && row.status !== 'QUEUED') {
        if (row.status === 'RECEIVED' || row.status === 'HELD')
          this.log.error({ uetr: row.uetr, status: row.status, height: o.block.height }, 'ledger outcome for a payment never submitted');
        continue;
      }
      const dequeued = o.outcome.status === 'rejected' && o.outcome.reason === LedgerRejection.CANCELLED;
      const reserved = o.escrow?.step === 'reserve' && o.outcome.status === 'accepted';
      const status = transition(row.status, reserved ? 'RESERVED' : o.outcome.status === 'accepted' ? 'SETTLED' : dequeued ? 'CANCELLED' : 'REJECTED');
      const reason = o.outcome.status === 'rejected' && !dequeued ? o.outcome.reason : null;
      if (reserved) {
        // Funds in escrow until the condition is fulfilled or expires (its expiresAt, as block time, is the deadline).
        changes.push({
          uetr: row.uetr,
          participant: row.participant,
          status,
          reason: null,
          at,
          cause: `reserved in escrow: ${cause} ${o.block.height}`,
          notAfter: new Date(o.escrow?.expiresAt ?? row.condition?.expiresAt ?? at.getTime()),
          // Named on the event, as every outcome's block is: the gateway then reads balances as of it at least.
          blockHeight: o.block.height,
          blockHash: o.block.hash,
        });
        continue;
      }
      if (row.submitted_at) metrics.hopSeconds.labels('ledger').observe(Math.max(0, at.getTime() - row.submitted_at.getTime()) / 1000);
      changes.push({
        uetr: row.uetr,
        participant: row.participant,
        status,
        reason,
        at,
        cause: `${cause} ${o.block.height}`,
        blockHeight: o.block.height,
        blockHash: o.block.hash,
      });
    }
    await this.payments.applyChanges(ctx.tx, changes);
    return changes.map((c) => this.events.payment(c.participant, c, headers));
  }
}

/** The hash-lock settlement keeps of a conditional intent (the ledger needs no more than the hash and the deadline). */
function conditionOf(intent: PaymentIntentMessage): { hash: string; expiresAt: number } | null {
  return intent.condition ? { hash: intent.condition.hash, expiresAt: intent.condition.expiresAt } : null;
}

/**
 * Why settlement refuses an intent's quote outright, or null: not the intent's participant's, a signature that does
 * not verify, amounts that do not parse or add up (a poison message, never retried), or accepted after expiry.
 */
function quoteRefusal(intent: PaymentIntentMessage, fxPublicKey: string, verified: VerifiedQuoteBatches): string | null {
  const { quote } = intent;
  if (quote.participant !== intent.participant || !verifyQuote(quote, fxPublicKey, verified)) return RejectReason.QUOTE_INVALID;
  try {
    buildPaymentPostings(quote);
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof AmountParseError)) throw error;
    return RejectReason.QUOTE_INVALID;
  }
  if (intent.acceptedAt > Date.parse(quote.expiresAt)) return RejectReason.QUOTE_EXPIRED;
  return null;
}
