import { Pool, ProblemError, counter, enqueueOutbox, parseOrProblem, topicName, withTransaction } from '@nostro/platform';
import { PaymentIntentMessage, Topic, sha256Hex } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { listQuerySchema, paymentRequestSchema } from './api.schemas';
import { GatewayConfig } from './config';
import { FxClient } from './fx.client';
import { IdempotencyService } from './idempotency.service';
import { paymentView } from './payment.view';
import { problemBody } from './problem-body';
import { PaymentsRepository } from './payments.repository';

const accepted = counter('gateway_payments_accepted_total', 'Payments answered 202');

export interface HttpResult {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** Accepting payment intents: validate, use the quote once, record durably with the outbox, then answer 202. */
export class PaymentsService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly repo: PaymentsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly fx: FxClient,
  ) {}

  async create(participant: string, idempotencyKey: string, rawBody: Buffer, body: unknown, correlationId: string): Promise<HttpResult> {
    const start = await this.idempotency.start(participant, idempotencyKey, sha256Hex(Buffer.concat([Buffer.from('POST /v1/payments\n'), rawBody])));
    if (start.kind === 'replay') return { status: start.status, body: start.body, replayed: true };
    try {
      return await this.accept(participant, idempotencyKey, start.resourceId, body, correlationId);
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) {
        await this.idempotency.complete(this.pool, participant, idempotencyKey, error.status, problemBody(error));
        throw error;
      }
      await this.idempotency.release(participant, idempotencyKey).catch(() => undefined);
      throw error;
    }
  }

  private async accept(participant: string, key: string, uetr: string, body: unknown, correlationId: string): Promise<HttpResult> {
    const request = parseOrProblem(paymentRequestSchema, body);
    const quote = await this.fx.consumeQuote(participant, request.quoteId, uetr);
    const at = new Date();
    const intent: PaymentIntentMessage = { kind: 'payment.intent', id: randomUUID(), uetr, participant, quote, acceptedAt: at.getTime() };
    return withTransaction(this.pool, async (tx) => {
      await this.repo.insert(tx, { uetr, participant, quote, request, at });
      await enqueueOutbox(tx, [
        { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS), key: participant, payload: intent, headers: { 'x-correlation-id': correlationId } },
      ]);
      const row = await this.repo.find(uetr, participant, false, tx);
      if (!row) throw new Error('payment row vanished inside its own transaction');
      const view = paymentView(row, [{ uetr, status: 'RECEIVED', reason: null, at }]);
      await this.idempotency.complete(tx, participant, key, 202, view);
      accepted.inc();
      return { status: 202, body: view };
    });
  }

  async get(participant: string, uetr: string, asCreditor = false) {
    const row = /^[0-9a-f-]{36}$/i.test(uetr) ? await this.repo.find(uetr.toLowerCase(), participant, asCreditor) : null;
    if (!row) throw new ProblemError(404, 'not_found', 'Not found', 'no such payment');
    const timelines = await this.repo.timelines([row.uetr]);
    return paymentView(row, timelines.get(row.uetr) ?? [], asCreditor);
  }

  async list(participant: string, query: unknown, asCreditor = false) {
    const q = parseOrProblem(listQuerySchema, query, 'query');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.repo.list({ participant, asCreditor, status: q.status, since: q.since, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const timelines = await this.repo.timelines(page.map((r) => r.uetr));
    const last = page[page.length - 1];
    return {
      data: page.map((r) => paymentView(r, timelines.get(r.uetr) ?? [], asCreditor)),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.uetr) : null,
    };
  }
}

function encodeCursor(at: Date, uetr: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), uetr])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; uetr: string } {
  try {
    const [at, uetr] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(uetr)) throw new Error('bad cursor');
    return { at, uetr };
  } catch {
    throw new ProblemError(400, 'validation_failed', 'Validation failed', 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
  }
}
