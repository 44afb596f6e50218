import { CustomerData } from '../customer-data/customer-data.service';
import { Pool, enqueueOutbox, parseOrProblem, topicName, withTransaction } from '@nostro/platform';
import {
  AmountParseError,
  ExceptionRefusal,
  PaymentStatus,
  isCancellable,
  PaymentCancelMessage,
  PaymentFulfilMessage,
  PaymentRecallMessage,
  PaymentReturnMessage,
  RecallResponseMessage,
  Topic,
  asCurrency,
  newMessageId,
  parseAmount,
} from '@nostro/shared';
import { AdminRequestsRepository } from '../admin/admin-requests.repository';
import { RequestWaiter } from '../admin/request-waiter';
import { GatewayConfig } from '../config';
import { cancelRequestSchema, fulfilRequestSchema, recallRequestSchema, recallResponseRequestSchema, returnRequestSchema } from '../http/api.schemas';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { PaymentRow, PaymentsRepository } from '../payments/payments.repository';
import { recallView, returnView } from './exception.view';
import { exceptionsError } from './exceptions.errors';
import { ExceptionsRepository } from './exceptions.repository';
import { fulfilRefusal } from './fulfil.rules';

type ExceptionMessage = PaymentCancelMessage | PaymentRecallMessage | RecallResponseMessage | PaymentReturnMessage;

/** What a bank asked for, as the idempotency record and the request log know it. */
interface Ask {
  participant: string;
  uetr: string;
  key: string;
  rawBody: Buffer | undefined;
  body: unknown;
  correlationId: string;
  /** The path the request was signed and sent to, when it is not the JSON route's (an ISO 20022 message). */
  hashPath?: string;
}

const REFUSAL_DETAIL: Record<ExceptionRefusal, string> = {
  not_found: 'no such payment',
  payment_not_cancellable: 'the payment has reached the ledger; recall it once it is settled',
  payment_not_settled: 'the payment is not settled',
  recall_pending: 'a recall of this payment is already waiting for an answer',
  payment_returned: 'the whole payment has been returned already',
  recall_not_pending: 'the recall of this payment has been answered or has expired',
  return_exceeds_payment: 'more than what is left of the receive amount to return',
  validation_failed: 'the request is not valid',
  payment_not_reserved: 'the payment is not held in escrow',
  condition_not_met: 'the preimage does not hash to the payment’s condition',
  condition_expired: 'the condition expired: the escrow went back to the debtor',
};

/**
 * The way back (API.md "Cancel, recall, return"): the gateway checks what it can at once (who may see the payment,
 * the request's shape and amount), then settlement decides in order with the payment's other events, and the
 * answer waits for that decision. Each request's id is its Idempotency-Key's resource id: a retry of a request
 * that timed out resumes it under the same id, so it can never recall or return twice.
 */
export class ExceptionsService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly payments: PaymentsRepository,
    private readonly repo: ExceptionsRepository,
    private readonly requests: AdminRequestsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly waiter: RequestWaiter,
    private readonly customerData: CustomerData,
  ) {}

  /** `POST /v1/payments/{uetr}/cancel` (debtor): 200 once settlement cancelled it. */
  cancel(ask: Ask): Promise<HttpResult> {
    return this.run(ask, 'cancel', (requestId, payment) => this.cancelPayment(ask, requestId, payment));
  }

  /**
   * `POST /v1/admin/payments/{uetr}/cancel` (an operator, on behalf of the debtor bank; API.md "Liquidity queue"):
   * answered like the bank's own cancel. The Idempotency-Key is the operator's; the request is recorded and ordered
   * under the payment's debtor, and settlement records which operator asked.
   */
  cancelAsOperator(operator: { id: string; name: string }, ask: Omit<Ask, 'participant'>): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', ask.hashPath ?? `/v1/admin/payments/${ask.uetr}/cancel`, ask.rawBody);
    return this.idempotency.run(`operator:${operator.id}`, ask.key, hash, async (requestId) => {
      const payment = await this.payments.findAny(ask.uetr);
      if (!payment) throw refused(ExceptionRefusal.PAYMENT_NOT_FOUND);
      return this.cancelPayment({ ...ask, participant: payment.participant }, requestId, payment, operator);
    });
  }

  private async cancelPayment(ask: Ask, requestId: string, payment: PaymentRow, operator?: { id: string; name: string }): Promise<HttpResult> {
    const body = parseOrProblem(cancelRequestSchema, ask.body ?? {});
    // A cancelled payment stays cancelled: asking again is answered like the first time.
    if (payment.status === 'CANCELLED') return { status: 200, body: { uetr: payment.uetr, status: 'CANCELLED' } };
    if (!isCancellable(payment.status as PaymentStatus)) throw notCancellable(payment.status);
    const message: PaymentCancelMessage = {
      kind: 'payment.cancel',
      id: newMessageId(),
      requestId,
      uetr: payment.uetr,
      participant: ask.participant,
      at: Date.now(),
    };
    if (body.reason) message.reason = body.reason;
    if (operator) message.operator = { id: operator.id, name: operator.name };
    const refusal = await this.decide(ask, payment, message);
    if (refusal === ExceptionRefusal.PAYMENT_NOT_CANCELLABLE) {
      const now = await this.payments.findAny(payment.uetr);
      if (now?.status === 'CANCELLED') return { status: 200, body: { uetr: payment.uetr, status: 'CANCELLED' } };
      throw notCancellable(now?.status ?? payment.status);
    }
    if (refusal) throw refused(refusal);
    return { status: 200, body: { uetr: payment.uetr, status: 'CANCELLED' } };
  }

  /** `POST /v1/payments/{uetr}/recall` (debtor): 202 with the pending recall and its `respondBy`. */
  recall(ask: Ask): Promise<HttpResult> {
    return this.run(ask, 'recall', async (requestId, payment) => {
      const body = parseOrProblem(recallRequestSchema, ask.body ?? {});
      const message: PaymentRecallMessage = {
        kind: 'payment.recall',
        id: newMessageId(),
        requestId,
        uetr: payment.uetr,
        participant: ask.participant,
        reason: body.reason,
        at: Date.now(),
      };
      // A note may name a person: it travels and is stored sealed by the payment's data key (docs/security.md).
      if (body.comment) message.comment = this.customerData.sealText(payment, body.comment);
      const refusal = await this.decide(ask, payment, message);
      if (refusal) throw refused(refusal);
      const recall = (await this.repo.forPayments([payment.uetr])).get(payment.uetr)?.recall;
      if (!recall || recall.recall_id !== requestId) throw new Error(`recall ${requestId} settled but missing from the read model`);
      const view = recallView(recall);
      return { status: 202, body: { recallId: view.recallId, uetr: payment.uetr, status: view.status, reason: view.reason, respondBy: view.respondBy } };
    });
  }

  /** `POST /v1/incoming-payments/{uetr}/recall/response` (creditor): 200 with the recall's outcome. */
  respond(ask: Ask): Promise<HttpResult> {
    return this.run(ask, 'recall_response', async (requestId, payment) => {
      const body = parseOrProblem(recallResponseRequestSchema, ask.body ?? {});
      const message: RecallResponseMessage = {
        kind: 'recall.response',
        id: newMessageId(),
        requestId,
        uetr: payment.uetr,
        participant: ask.participant,
        decision: body.decision,
        at: Date.now(),
      };
      if (body.reason) message.reason = body.reason;
      if (body.amount !== undefined) message.amountMinor = returnAmountMinor(body.amount, payment).toString();
      const refusal = await this.decide(ask, payment, message);
      if (refusal) throw refused(refusal);
      const recall = (await this.repo.forPayments([payment.uetr])).get(payment.uetr)?.recall;
      if (!recall) throw new Error(`recall answer ${requestId} settled but no recall in the read model`);
      const returnId = recall.resolution?.returnId;
      return { status: 200, body: { recallId: recall.recall_id, status: recall.status, ...(returnId ? { returnId } : {}) } };
    });
  }

  /** `POST /v1/incoming-payments/{uetr}/return` (creditor): 202 with the return, submitted to the ledger. */
  giveBack(ask: Ask): Promise<HttpResult> {
    return this.run(ask, 'return', async (requestId, payment) => {
      const body = parseOrProblem(returnRequestSchema, ask.body ?? {});
      const message: PaymentReturnMessage = {
        kind: 'payment.return',
        id: newMessageId(),
        requestId,
        uetr: payment.uetr,
        participant: ask.participant,
        reason: body.reason,
        at: Date.now(),
      };
      if (body.amount !== undefined) message.amountMinor = returnAmountMinor(body.amount, payment).toString();
      const refusal = await this.decide(ask, payment, message);
      if (refusal) throw refused(refusal);
      const ret = await this.repo.findReturn(payment.uetr, requestId);
      if (!ret) throw new Error(`return ${requestId} settled but missing from the read model`);
      return { status: 202, body: { ...returnView(ret), uetr: payment.uetr } };
    });
  }

  /**
   * `POST /v1/incoming-payments/{uetr}/fulfil` (creditor; API.md "Conditional payments"): checked at once against the
   * payment's condition and status (fulfilRefusal; a refusal changes nothing), then the `payment.fulfil` request is
   * published to settlement and answered `202 { uetr, status: RESERVED }` in the transaction that stores the answer:
   * it does not wait for the ledger (webhooks payment.received and payment.settled tell the outcome). A fulfilment of
   * a payment whose earlier fulfilment still waits for settlement is answered the same 202 and publishes nothing more:
   * its preimage hashes to the same condition, so there is nothing a second one could change.
   */
  fulfil(ask: Ask): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', ask.hashPath ?? `/v1/incoming-payments/${ask.uetr}/fulfil`, ask.rawBody);
    return this.idempotency.run(ask.participant, ask.key, hash, async (requestId, complete) => {
      const payment = await this.payments.find(ask.uetr, ask.participant, true);
      if (!payment) throw refused(ExceptionRefusal.PAYMENT_NOT_FOUND);
      const body = parseOrProblem(fulfilRequestSchema, ask.body ?? {});
      const refusal = fulfilRefusal(payment, body.preimage, Date.now());
      if (refusal) throw refused(refusal);
      const answer = { uetr: payment.uetr, status: 'RESERVED' };
      const message: PaymentFulfilMessage = {
        kind: 'payment.fulfil',
        id: newMessageId(),
        requestId,
        uetr: payment.uetr,
        participant: ask.participant,
        preimage: body.preimage,
        at: Date.now(),
      };
      await withTransaction(this.pool, async (tx) => {
        if (!(await this.requests.hasPending(tx, message.kind, ask.participant, payment.uetr))) {
          await this.requests.submit(tx, { requestId, kind: message.kind, participant: ask.participant, payload: message });
          // Keyed by the debtor, like the payment's intent: ordered after the payment's own messages on one partition.
          const topic = topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
          await enqueueOutbox(tx, [{ topic, key: payment.participant, payload: message, headers: { 'x-correlation-id': ask.correlationId } }]);
        }
        await complete(tx, 202, answer);
      });
      return { status: 202, body: answer, stored: true };
    });
  }

  /**
   * Idempotency, then the payment as the caller may see it (its debtor for a cancel or recall, its creditor for an
   * answer or a return; anyone else gets `404`, never `403`).
   */
  private run(ask: Ask, kind: string, work: (requestId: string, payment: PaymentRow) => Promise<HttpResult>): Promise<HttpResult> {
    const asCreditor = kind === 'recall_response' || kind === 'return';
    const path = `/v1/${asCreditor ? 'incoming-payments' : 'payments'}/${ask.uetr}/${kind === 'recall_response' ? 'recall/response' : kind}`;
    const hash = IdempotencyService.requestHash('POST', ask.hashPath ?? path, ask.rawBody);
    return this.idempotency.run(ask.participant, ask.key, hash, async (requestId) => {
      const payment = await this.payments.find(ask.uetr, ask.participant, asCreditor);
      if (!payment) throw refused(ExceptionRefusal.PAYMENT_NOT_FOUND);
      return work(requestId, payment);
    });
  }

  /**
   * Sends the request to settlement (once per request id: a resumed retry only waits) and waits for its decision.
   * Answers settlement's refusal, or null when it was done. No decision within LEDGER_WAIT_MS: `503` with
   * Retry-After, and the key is released for a retry that resumes this same request.
   */
  private async decide(ask: Ask, payment: PaymentRow, message: ExceptionMessage): Promise<ExceptionRefusal | null> {
    const kind = message.kind;
    await withTransaction(this.pool, async (tx) => {
      if (!(await this.requests.submit(tx, { requestId: message.requestId, kind, participant: ask.participant, payload: message }))) return;
      // Keyed by the debtor, like the payment's intent: the request is ordered after the payment on one partition.
      const topic = topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
      await enqueueOutbox(tx, [{ topic, key: payment.participant, payload: message, headers: { 'x-correlation-id': ask.correlationId } }]);
    });
    const outcome = await this.waiter.wait(message.requestId, this.config.LEDGER_WAIT_MS);
    if (!outcome || outcome.status === 'SUBMITTED') {
      throw exceptionsError('service_unavailable', 'settlement has not decided yet; retry with the same Idempotency-Key', undefined, { 'retry-after': '1' });
    }
    return outcome.status === 'REJECTED' ? ((outcome.reason as ExceptionRefusal | null) ?? ExceptionRefusal.VALIDATION_FAILED) : null;
  }
}

function refused(code: ExceptionRefusal): ReturnType<typeof exceptionsError> {
  return exceptionsError(code, REFUSAL_DETAIL[code] ?? code);
}

function notCancellable(status: string): ReturnType<typeof exceptionsError> {
  return exceptionsError('payment_not_cancellable', `the payment is ${status}: only RECEIVED, HELD or QUEUED payments can be cancelled`);
}

/** A return amount in the payment's target currency, as minor units: positive, with at most its minor-unit digits. */
function returnAmountMinor(amount: string, payment: PaymentRow): bigint {
  const currency = asCurrency(payment.quote.targetCurrency);
  let minor: bigint;
  try {
    minor = parseAmount(amount, currency);
  } catch (error) {
    if (!(error instanceof AmountParseError)) throw error;
    throw exceptionsError('validation_failed', `invalid amount in ${currency}`, [{ path: 'amount', message: error.message }]);
  }
  if (minor <= 0n) throw exceptionsError('validation_failed', 'the amount must be positive', [{ path: 'amount', message: 'must be greater than zero' }]);
  return minor;
}
