import { CustomerData } from '../customer-data/customer-data.service';
import { adminError } from './admin.errors';
import { Pool, PoolClient, ProblemError, READ_SNAPSHOT, enqueueOutbox, parseOrProblem, topicName, withTransaction, ListCursorCodec } from '@nostro/platform';
import { DecisionRefusal, LimitsSetMessage, PaymentDecisionMessage, Topic, asCurrency, formatAmount, newMessageId, parseAmount } from '@nostro/shared';
import { AdminPaymentsRepository, DecisionRow } from './admin-payments.repository';
import { adminPaymentsQuerySchema, decisionBodySchema, limitsBodySchema } from './admin-payments.schemas';
import { GatewayConfig } from '../config';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { paymentView } from '../payments/payment.view';
import { PaymentRow } from '../payments/payments.repository';
import { RequestWaiter } from './request-waiter';
import { ExceptionsRepository, NO_EXCEPTIONS } from '../exceptions/exceptions.repository';

export interface Operator {
  id: string;
  name: string;
}

/** Settlement's refusals of a decision as problems; exhaustive, so a new refusal code must be mapped. */
export const REFUSAL_HTTP: Record<DecisionRefusal, { status: number; title: string }> = {
  payment_not_found: { status: 404, title: 'Not found' },
  payment_not_held: { status: 409, title: 'Payment not held' },
  approver_already_decided: { status: 409, title: 'Operator already decided' },
  hold_expired: { status: 409, title: 'Hold expired' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Accounts an operator may set limits on besides registered participants: the network's FX liquidity. */
const LIMITABLE_SYSTEM_PARTICIPANTS = new Set(['FXDESK']);

const notFound = (detail: string) => adminError('not_found', detail);

/**
 * Operators and held payments: any participant's payments, M-of-N decisions on held ones, participant limits.
 * Decisions and limits go to settlement through the outbox and are answered once settlement (for limits: the
 * ledger, in a final block) has decided; settlement is the authority on distinct approvers and on the outcome.
 */
export class AdminPaymentsService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly repo: AdminPaymentsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly waiter: RequestWaiter,
    private readonly cursors: ListCursorCodec,
    private readonly exceptions: ExceptionsRepository,
    private readonly customerData: CustomerData,
  ) {}

  private requestsTopic(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
  }

  async list(query: unknown) {
    const q = parseOrProblem(adminPaymentsQuerySchema, query, 'query');
    // One snapshot for the rows and their timelines, decisions, recalls and returns (as a bank's reads: PaymentsService).
    const { rows, views } = await withTransaction(
      this.pool,
      async (db) => {
        const listed = await this.repo.list(
          {
            status: q.status,
            participant: q.participant,
            since: q.since,
            after: q.cursor ? this.cursors.decodeTime('admin-payments', q.cursor) : undefined,
            limit: q.limit + 1,
          },
          db,
        );
        return { rows: listed, views: await this.views(listed.slice(0, q.limit), db) };
      },
      READ_SNAPSHOT,
    );
    const last = rows[Math.min(rows.length, q.limit) - 1];
    return {
      data: await this.customerData.fill(views),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('admin-payments', { at: last.cursor_at, id: last.uetr }) : null,
    };
  }

  async get(uetr: string) {
    if (!UUID.test(uetr)) throw notFound('no such payment');
    const views = await withTransaction(
      this.pool,
      async (db) => {
        const row = await this.repo.find(uetr, db);
        if (!row) throw notFound('no such payment');
        return this.views([row], db);
      },
      READ_SNAPSHOT,
    );
    return (await this.customerData.fill(views))[0];
  }

  /** The operator's views of `rows` (customer data still to fill), read with `db` (the caller's snapshot). */
  private async views(rows: PaymentRow[], db: PoolClient) {
    const uetrs = rows.map((r) => r.uetr);
    const timelines = await this.repo.timelines(uetrs, db);
    const decisions = await this.repo.decisions(uetrs, db);
    const exceptions = await this.exceptions.forPayments(uetrs, db);
    return rows.map((row) => {
      const list = decisions.get(row.uetr) ?? [];
      const view = paymentView(row, timelines.get(row.uetr) ?? [], this.customerData.open(row), exceptions.get(row.uetr) ?? NO_EXCEPTIONS);
      return { ...view, approvals: approvals(list), decisions: list.map(decisionView) };
    });
  }

  /** `POST /v1/admin/payments/{uetr}/decisions` (Idempotency-Key required, scoped to the operator). */
  async decide(operator: Operator, uetr: string, body: unknown, key: string, requestHash: string, correlationId: string): Promise<HttpResult> {
    return this.idempotency.run(`operator:${operator.id}`, key, requestHash, async (requestId) => {
      const d = parseOrProblem(decisionBodySchema, body);
      const payment = UUID.test(uetr) ? await this.repo.find(uetr) : null;
      if (!payment) throw notFound('no such payment');
      if (payment.status !== 'HELD') throw refusal('payment_not_held', `the payment is ${payment.status}`);
      const message: PaymentDecisionMessage = {
        kind: 'payment.decision',
        id: newMessageId(),
        requestId,
        uetr,
        decision: d.decision,
        operator,
        ...(d.comment ? { comment: d.comment } : {}),
        at: Date.now(),
      };
      await withTransaction(this.pool, async (tx) => {
        await this.repo.insertRequest(tx, { requestId, kind: 'decision', participant: payment.participant, payload: message });
        // Keyed by the debtor, like its payment intent: the decision is ordered after the payment on one partition.
        await enqueueOutbox(tx, [{ topic: this.requestsTopic(), key: payment.participant, payload: message, headers: { 'x-correlation-id': correlationId } }]);
      });
      const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
      if (!outcome || outcome.status === 'SUBMITTED') return { status: 202, body: { uetr, requestId, state: 'pending' }, store: false };
      if (outcome.status === 'REJECTED') throw refusal(outcome.reason as DecisionRefusal, `settlement refused the decision: ${outcome.reason}`);
      return { status: 201, body: await this.decisionResult(uetr, requestId) };
    });
  }

  private async decisionResult(uetr: string, requestId: string) {
    const { payment, decisions, row } = await withTransaction(
      this.pool,
      async (db) => ({
        payment: await this.repo.find(uetr, db),
        decisions: await this.repo.decisions([uetr], db),
        row: await this.repo.decision(requestId, db),
      }),
      READ_SNAPSHOT,
    );
    if (!payment || !row) throw new Error('decision vanished after settlement recorded it');
    const list = decisions.get(uetr) ?? [];
    return {
      uetr,
      decision: decisionView(row),
      payment: { status: payment.status, ...(payment.reason ? { reason: payment.reason } : {}), approvals: approvals(list) },
    };
  }

  /** `PUT /v1/admin/participants/{id}/limits`: answered once the ledger accepted (or refused) the new cap. */
  async setLimits(participantId: string, body: unknown, key: string | null, requestHash: string, correlationId: string): Promise<HttpResult> {
    return this.idempotency.run('admin:limits', key, requestHash, async (requestId) => {
      const l = parseOrProblem(limitsBodySchema, body);
      const currency = asCurrency(l.currency);
      const participant = await this.repo.participant(participantId);
      if (!participant && !LIMITABLE_SYSTEM_PARTICIPANTS.has(participantId)) throw notFound('no such participant');
      if (participant && !participant.currencies.includes(currency)) {
        throw adminError('account_unknown', `${participantId} has no ${currency} account`, [
          { path: 'currency', message: 'not one of the participant currencies' },
        ]);
      }
      const netDebitCapMinor = amountMinor(l.netDebitCap, currency, 'netDebitCap');
      const holdAboveMinor = l.holdAbove === null ? null : amountMinor(l.holdAbove, currency, 'holdAbove');
      const message: LimitsSetMessage = {
        kind: 'limits.set',
        id: newMessageId(),
        requestId,
        participant: participantId,
        currency,
        netDebitCapMinor: netDebitCapMinor.toString(),
        holdAboveMinor: holdAboveMinor === null ? null : holdAboveMinor.toString(),
      };
      await withTransaction(this.pool, async (tx) => {
        await this.repo.insertRequest(tx, { requestId, kind: 'limits', participant: participantId, payload: message });
        await enqueueOutbox(tx, [{ topic: this.requestsTopic(), key: participantId, payload: message, headers: { 'x-correlation-id': correlationId } }]);
      });
      const base = {
        participant: participantId,
        currency,
        netDebitCap: formatAmount(netDebitCapMinor, currency),
        holdAbove: holdAboveMinor === null ? null : formatAmount(holdAboveMinor, currency),
      };
      const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
      if (!outcome || outcome.status === 'SUBMITTED') return { status: 202, body: { ...base, status: 'SUBMITTED' }, store: false };
      if (outcome.status === 'REJECTED') {
        throw new ProblemError(422, outcome.reason ?? 'rejected', 'Rejected by the ledger', `the ledger refused the limits: ${outcome.reason}`);
      }
      return { status: 200, body: { ...base, status: 'SETTLED', block: { height: outcome.blockHeight, hash: outcome.blockHash } } };
    });
  }
}

function refusal(code: DecisionRefusal, detail: string): ProblemError {
  const http = REFUSAL_HTTP[code] ?? { status: 409, title: 'Decision refused' };
  return new ProblemError(http.status, code === 'payment_not_found' ? 'not_found' : code, http.title, detail);
}

function decisionView(row: DecisionRow) {
  const p = row.payload;
  const state = row.status === 'SETTLED' ? 'recorded' : row.status === 'REJECTED' ? 'refused' : 'pending';
  return {
    requestId: row.request_id,
    operator: p.operator,
    decision: p.decision,
    ...(p.comment ? { comment: p.comment } : {}),
    state,
    ...(row.reason ? { reason: row.reason } : {}),
    at: new Date(p.at).toISOString(),
  };
}

function approvals(rows: DecisionRow[]): number {
  return new Set(rows.filter((r) => r.status === 'SETTLED' && r.payload.decision === 'approve').map((r) => r.payload.operator.id)).size;
}

function amountMinor(value: string, currency: ReturnType<typeof asCurrency>, field: string): bigint {
  try {
    return parseAmount(value, currency);
  } catch (error) {
    throw adminError('validation_failed', `invalid ${field}`, [{ path: field, message: (error as Error).message }]);
  }
}
