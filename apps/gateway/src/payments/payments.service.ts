import { paymentsError } from './payments.errors';
import {
  GroupCommit,
  ListCursorCodec,
  OutboxMessage,
  Pool,
  PoolClient,
  ProblemError,
  READ_SNAPSHOT,
  counter,
  enqueueOutbox,
  mapOrderedByKey,
  parseOrProblem,
  problemBody,
  topicName,
  withTransaction,
} from '@nostro/platform';
import { PaymentIntentMessage, SignedQuote, Topic, asCurrency, newMessageId, parseAmount, sha256Bytes } from '@nostro/shared';
import { PaymentRequest, listQuerySchema, paymentBatchSchema, paymentRequestSchema } from '../http/api.schemas';
import { GatewayConfig } from '../config';
import { ConsumeItem, FxClient, QuoteBatchResult, QuoteExpectation, perBank } from '../quotes/fx.client';
import { Completion, HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { ParticipantCache } from '../participants/participant.cache';
import { ExceptionsRepository, NO_EXCEPTIONS } from '../exceptions/exceptions.repository';
import { paymentView } from './payment.view';
import { PaymentRow, PaymentsRepository, TimelineRow } from './payments.repository';
import { CustomerData } from '../customer-data/customer-data.service';
import { SanctionsDecision, ScreeningService } from '../screening/screening.service';
import { LimitsRow } from '../screening/screening.repository';
import { webhooksFor } from '../webhooks/webhook.events';
import { NewDelivery, WebhookRepository } from '../webhooks/webhook.repository';
import { groupCommitMetrics } from '../common/group-commit.metrics';

export type { HttpResult } from '../idempotency/idempotency.service';

const accepted = counter('gateway_payments_accepted_total', 'Payments answered 202, by status', ['status']);
/** Items of a batch checked at once when the participant has limits (each costs a round trip to fx-quote and a transaction). */
const BATCH_CONCURRENCY = 8;

/** A payment about to be recorded: its validated request, the quote it used, and its screening outcome. */
interface Intake {
  /** The debtor bank. */
  participant: string;
  uetr: string;
  request: PaymentRequest;
  quote: SignedQuote;
  sanctions: SanctionsDecision | null;
  acceptedAt: Date;
  /** The request's own correlation id, when payments of several requests are recorded together. */
  correlationId?: string;
}

/** A single payment waiting for its group's transaction: what to record and how to store its answer. */
interface GroupedIntake extends Intake {
  correlationId: string;
  onCommit?: OnCommit;
}

/** Items of a batch naming the same quote run in order, so the first of them is the one that gets it. */
const quoteKey = (item: unknown, index: number): string => {
  const quoteId = (item as { quoteId?: unknown } | null)?.quoteId;
  return typeof quoteId === 'string' ? quoteId : `#${index}`;
};

export type BatchItemResult = { uetr: string; status: string; reason?: string } | { problem: ReturnType<typeof problemBody> };

/**
 * One item of a batch: its body (a payment request, validated here) and, for a pacs.008 transaction, the UETR the
 * bank gave it and what it says of its quote (checked by fx-quote before the quote is used).
 */
export interface BatchInput {
  body: unknown;
  uetr?: string;
  expect?: QuoteExpectation;
  /** Refused before anything else (a pacs.008 transaction whose debtor agent is not the sender). */
  refused?: ReturnType<typeof problemBody>;
}

/** How a batch's results are answered and stored: JSON `{ results }`, or a pacs.002 document. */
export type BatchRender = (results: BatchItemResult[]) => unknown;
const jsonResults: BatchRender = (results) => ({ results });

/** Called inside the intake transaction with the 202 answer, to store it with the payment (idempotency). */
type OnCommit = Completion;

/**
 * Accepting payment intents (DOMAIN.md step 2): validate, screen, use the quote once, record durably with the
 * outbox row for settlement, then answer 202. Nothing is answered 202 before it is committed in Postgres.
 */
export class PaymentsService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly repo: PaymentsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly fx: FxClient,
    private readonly screening: ScreeningService,
    private readonly cache: ParticipantCache,
    private readonly webhooks: WebhookRepository,
    private readonly cursors: ListCursorCodec,
    private readonly exceptions: ExceptionsRepository,
    private readonly customerData: CustomerData,
  ) {}

  /**
   * Group commit of single payments (issue "Performance"): payments of every bank that arrive while earlier ones are
   * using their quotes join the next call to fx-quote, and those that arrive while a transaction records earlier ones
   * join the next transaction, so N concurrent payments cost one fx-quote round trip and one Postgres transaction
   * instead of N, however many banks sent them. A lone request goes at once.
   */
  private readonly quoteUses = new GroupCommit<'all', { participant: string; item: ConsumeItem }, QuoteBatchResult>(
    async (_all, items) => (await perBank(items, (groups) => this.fx.consumeQuoteGroups(groups))).map((ok) => ({ ok })),
    { observe: groupCommitMetrics('quote') },
  );

  private readonly records = new GroupCommit<'all', GroupedIntake, HttpResult>(
    async (_all, items) => {
      const together = async (list: readonly GroupedIntake[]) =>
        withTransaction(this.pool, async (tx) => {
          const views = await this.recordMany(tx, list[0].correlationId, list);
          // The answers in one statement, not one round trip each: a flush's time must not grow with its size.
          await this.idempotency.completeMany(
            tx,
            list.flatMap((item, i) => (item.onCommit ? [{ complete: item.onCommit, status: 202, body: views[i] }] : [])),
          );
          return views.map((view) => ({ ok: { status: 202, body: view } as HttpResult }));
        });
      try {
        return await together(items);
      } catch (error) {
        if (items.length === 1) return [{ error }];
        // One payment failing must not fail the others: each again in its own transaction.
        const alone: ({ ok: HttpResult } | { error: unknown })[] = [];
        for (const item of items)
          alone.push(
            await together([item]).then(
              (r) => r[0],
              (e: unknown) => ({ error: e }),
            ),
          );
        return alone;
      }
    },
    { observe: groupCommitMetrics('record') },
  );

  /** `POST /v1/payments`: the payment's uetr is the resource id reserved for the Idempotency-Key. */
  create(participant: string, idempotencyKey: string, rawBody: Buffer | undefined, body: unknown, correlationId: string): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', '/v1/payments', rawBody);
    return this.idempotency.run(participant, idempotencyKey, hash, async (uetr, complete, resumed) => {
      const result = await this.acceptOne(participant, uetr, body, correlationId, resumed, complete);
      return { ...result, stored: true };
    });
  }

  /**
   * `POST /v1/payments/batch`: one result per item, in order. Item i's uetr is derived from the batch's reserved id,
   * so a retry that takes over an abandoned batch finds the items already accepted instead of paying them twice.
   */
  createBatch(participant: string, idempotencyKey: string, rawBody: Buffer | undefined, body: unknown, correlationId: string): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', '/v1/payments/batch', rawBody);
    return this.idempotency.run(participant, idempotencyKey, hash, async (batchId, complete, resumed) => {
      const { payments } = parseOrProblem(paymentBatchSchema, body);
      return this.batch(
        participant,
        batchId,
        payments.map((p) => ({ body: p })),
        correlationId,
        resumed,
        complete,
        jsonResults,
      );
    });
  }

  /**
   * A pacs.008 (docs/iso20022.md): the batch path, with the bank's UETRs (one already used, here or earlier in the
   * message, is refused as `uetr_conflict`) and each transaction's amount and creditor agent checked against its quote
   * before the quote is used. Same idempotency, screening and limits as `POST /v1/payments/batch`.
   */
  createFromIso(participant: string, idempotencyKey: string, requestHash: string, items: BatchInput[], correlationId: string, render: BatchRender) {
    return this.idempotency.run(participant, idempotencyKey, requestHash, async (batchId, complete, resumed) =>
      this.batch(participant, batchId, items, correlationId, resumed, complete, render),
    );
  }

  private async batch(
    participant: string,
    batchId: string,
    items: readonly BatchInput[],
    correlationId: string,
    resumed: boolean,
    complete: OnCommit,
    render: BatchRender,
  ): Promise<HttpResult> {
    const uetrs = items.map((item, index) => item.uetr ?? itemUetr(batchId, index));
    const conflicts = await this.uetrConflicts(participant, items, uetrs, resumed);
    const limits = (await this.cache.limits(participant)).filter((l) => l.max_amount_minor !== null || l.velocity_window_s !== null);
    if (limits.length === 0) {
      const body = await this.acceptMany(participant, items, uetrs, conflicts, correlationId, resumed, complete, render);
      return { status: 202, body, stored: true };
    }
    // Amount and velocity limits are checked item by item against what the items before them took.
    const results = await mapOrderedByKey(
      items.map((item, index) => ({ ...item, index })),
      (item, index) => quoteKey(item.body, index),
      BATCH_CONCURRENCY,
      (item): Promise<BatchItemResult> => {
        const conflict = conflicts.get(item.index);
        return conflict ? Promise.resolve(conflict) : this.batchItem(participant, uetrs[item.index], item, correlationId, resumed);
      },
    );
    return { status: 202, body: render(results) };
  }

  /**
   * Items whose bank-given UETR names a payment that exists already (and is not this batch's own, on a retry) or an
   * earlier item of the same message: refused as `uetr_conflict`, by index.
   */
  private async uetrConflicts(
    participant: string,
    items: readonly BatchInput[],
    uetrs: readonly string[],
    resumed: boolean,
  ): Promise<Map<number, BatchItemResult>> {
    const given = items.flatMap((item, index) => (item.uetr ? [index] : []));
    const conflicts = new Map<number, BatchItemResult>();
    const existing = given.length > 0 ? await this.repo.findAnyMany(given.map((i) => uetrs[i])) : new Map<string, PaymentRow>();
    const seen = new Set<string>();
    items.forEach((item, index) => item.refused && conflicts.set(index, { problem: item.refused }));
    for (const index of given) {
      if (conflicts.has(index)) continue;
      const uetr = uetrs[index];
      const row = existing.get(uetr);
      const ours = resumed && row?.participant === participant;
      if (seen.has(uetr) || (row && !ours)) conflicts.set(index, { problem: problemBody(paymentsError('uetr_conflict', `the UETR ${uetr} is already used`)) });
      seen.add(uetr);
    }
    return conflicts;
  }

  /**
   * A batch of a participant without amount or velocity limits, in a constant number of round trips whatever its
   * size: validate and screen every item, find what a retry of this batch already accepted, use every quote in one
   * call to fx-quote, then record all payments, their outbox messages and the stored answer in one transaction.
   */
  private async acceptMany(
    participant: string,
    items: readonly BatchInput[],
    uetrs: readonly string[],
    conflicts: ReadonlyMap<number, BatchItemResult>,
    correlationId: string,
    resumed: boolean,
    complete: OnCommit,
    render: BatchRender,
  ): Promise<unknown> {
    const results: BatchItemResult[] = new Array(items.length);
    const valid: { index: number; uetr: string; request: PaymentRequest; expect?: QuoteExpectation }[] = [];
    items.forEach((item, index) => {
      const conflict = conflicts.get(index);
      if (conflict) {
        results[index] = conflict;
        return;
      }
      try {
        valid.push({ index, uetr: uetrs[index], request: parseOrProblem(paymentRequestSchema, item.body), expect: item.expect });
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        results[index] = { problem: problemBody(error) };
      }
    });
    // Only a retry that took over an abandoned attempt can find items of this batch already recorded.
    const existing = resumed
      ? await this.repo.findMany(
          valid.map((v) => v.uetr),
          participant,
        )
      : new Map<string, PaymentRow>();
    const fresh = valid.filter((v) => {
      const row = existing.get(v.uetr);
      if (row) results[v.index] = { uetr: row.uetr, status: row.status, ...(row.reason ? { reason: row.reason } : {}) };
      return !row;
    });
    const acceptedAt = new Date();
    const quotes = await this.fx.consumeQuotes(
      participant,
      fresh.map((f) => ({ quoteId: f.request.quoteId, uetr: f.uetr, ...(f.expect ? { expect: f.expect } : {}) })),
    );
    const toRecord: Intake[] = [];
    const recordedIndexes: number[] = [];
    fresh.forEach((f, k) => {
      const quote = quotes[k];
      if (!('problem' in quote)) {
        recordedIndexes.push(f.index);
        toRecord.push({ participant, uetr: f.uetr, request: f.request, quote, sanctions: this.screening.screenParties(f.request), acceptedAt });
        return;
      }
      // fx-quote failing on an item fails the batch (nothing recorded, the key released): a retry takes it over.
      if (quote.problem.status >= 500) throw paymentsError('service_unavailable', 'the FX service failed; retry later', undefined, { 'retry-after': '1' });
      results[f.index] = { problem: quote.problem };
    });
    return withTransaction(this.pool, async (tx) => {
      const views = await this.recordMany(tx, correlationId, toRecord);
      const answer = [...results];
      recordedIndexes.forEach((index, k) => {
        const view = views[k];
        answer[index] = { uetr: view.uetr, status: view.status, ...(view.reason ? { reason: view.reason } : {}) };
      });
      // Rendered once: the answer stored for a replay is the very document sent now (a pacs.002 has its own id and time).
      const body = render(answer);
      await complete(tx, 202, body);
      return body;
    });
  }

  private async batchItem(participant: string, uetr: string, item: BatchInput, correlationId: string, resumed: boolean): Promise<BatchItemResult> {
    try {
      const view = (await this.acceptOne(participant, uetr, item.body, correlationId, resumed, undefined, item.expect)).body as {
        uetr: string;
        status: string;
        reason?: string;
      };
      return { uetr: view.uetr, status: view.status, ...(view.reason ? { reason: view.reason } : {}) };
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) return { problem: problemBody(error) };
      throw error;
    }
  }

  /** `resumed`: this uetr was reserved by an attempt that was abandoned, so the payment may already be recorded. */
  private async acceptOne(
    participant: string,
    uetr: string,
    body: unknown,
    correlationId: string,
    resumed: boolean,
    onCommit?: OnCommit,
    expect?: QuoteExpectation,
  ): Promise<HttpResult> {
    const request = parseOrProblem(paymentRequestSchema, body);
    const existing = resumed ? await this.repo.find(uetr, participant) : null;
    if (existing) return this.answer(existing, onCommit);
    const sanctions = this.screening.screenParties(request);
    const limits = (await this.cache.limits(participant)).filter((l) => l.max_amount_minor !== null || l.velocity_window_s !== null);
    if (limits.length === 0) {
      // Acceptance time is taken before the quote is used, so it can never be later than fx-quote's check of expiry.
      const acceptedAt = new Date();
      const used = await this.quoteUses.run('all', { participant, item: { quoteId: request.quoteId, uetr, ...(expect ? { expect } : {}) } });
      if ('problem' in used) {
        if (used.problem.status >= 500) throw paymentsError('service_unavailable', 'the FX service failed; retry later', undefined, { 'retry-after': '1' });
        throw problemError(used.problem);
      }
      return this.records.run('all', { participant, uetr, request, quote: used, sanctions, correlationId, onCommit, acceptedAt });
    }
    const peeked = await this.fx.getQuote(participant, request.quoteId);
    const bound = limits.find((l) => l.currency === peeked.sourceCurrency);
    if (bound) await this.screening.checkAmount(participant, bound, peeked);
    return withTransaction(this.pool, async (tx) => {
      if (bound) await this.checkVelocity(tx, participant, bound, peeked);
      const acceptedAt = new Date();
      const quote = await this.fx.consumeQuote(participant, request.quoteId, uetr, expect);
      return this.record(tx, { participant, uetr, request, quote, sanctions, correlationId, onCommit, acceptedAt });
    });
  }

  private async checkVelocity(tx: PoolClient, participant: string, limits: LimitsRow, quote: SignedQuote): Promise<void> {
    await this.screening.repo.lockParticipant(tx, participant);
    await this.screening.checkVelocity(tx, participant, limits, quote);
  }

  /** The payment row, its outbox message (or, for a sanctions hit, its rejection and webhook), and the stored answer. */
  private async record(tx: PoolClient, p: Intake & { correlationId: string; onCommit?: OnCommit }): Promise<HttpResult> {
    const [view] = await this.recordMany(tx, p.correlationId, [p]);
    await p.onCommit?.(tx, 202, view);
    return { status: 202, body: view };
  }

  /** {@link record} for many payments (of one bank or several), in a few statements whatever their number; views in order. */
  private async recordMany(tx: PoolClient, correlationId: string, list: readonly Intake[]): Promise<ReturnType<typeof paymentView>[]> {
    if (list.length === 0) return [];
    const rows = await this.repo.insertMany(
      tx,
      list.map((p) => ({
        uetr: p.uetr,
        participant: p.participant,
        quote: p.quote,
        request: p.request,
        sealed: this.customerData.seal(p.uetr, p.request),
        at: p.acceptedAt,
        totalDebitMinor: parseAmount(p.quote.totalDebit, asCurrency(p.quote.sourceCurrency)),
        rejected: p.sanctions?.action === 'reject' ? { reason: p.sanctions.reason } : undefined,
      })),
    );
    const topic = topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
    const intents: OutboxMessage[] = [];
    const deliveries: NewDelivery[] = [];
    const views = [];
    for (const [i, p] of list.entries()) {
      const row = rows[i];
      const at = p.acceptedAt;
      if (p.sanctions) await this.screening.recordSanctions(tx, p.participant, p.uetr, p.sanctions);
      const timeline: TimelineRow[] = [{ uetr: p.uetr, status: 'RECEIVED', reason: null, at }];
      if (p.sanctions?.action === 'reject') {
        timeline.push({ uetr: p.uetr, status: 'REJECTED', reason: p.sanctions.reason, at });
        const debtor = await this.cache.participant(p.participant);
        deliveries.push(
          ...webhooksFor({
            sourceId: `gateway:${p.uetr}:REJECTED`,
            status: 'REJECTED',
            at,
            payment: row,
            timeline,
            webhookUrls: { debtor: debtor?.webhook_url ?? null, creditor: null },
          }),
        );
      } else {
        const screening = p.sanctions?.action === 'hold' ? { action: 'hold' as const, reason: p.sanctions.reason } : undefined;
        const intent: PaymentIntentMessage = {
          kind: 'payment.intent',
          id: newMessageId(),
          uetr: p.uetr,
          participant: p.participant,
          quote: p.quote,
          acceptedAt: at.getTime(),
          ...(screening ? { screening } : {}),
          ...intentLiquidity(p.request),
          ...intentCondition(p.request),
        };
        intents.push({ topic, key: p.participant, payload: intent, headers: { 'x-correlation-id': p.correlationId ?? correlationId } });
      }
      views.push(paymentView(row, timeline));
      accepted.labels(row.status).inc();
    }
    await this.webhooks.enqueue(tx, deliveries);
    await enqueueOutbox(tx, intents);
    return views;
  }

  private async answer(row: PaymentRow, onCommit?: OnCommit): Promise<HttpResult> {
    const view = paymentView(row, (await this.repo.timelines([row.uetr])).get(row.uetr) ?? []);
    if (onCommit) await withTransaction(this.pool, (tx) => onCommit(tx, 202, view));
    return { status: 202, body: view };
  }

  async get(participant: string, uetr: string, asCreditor = false) {
    const id = parseUetr(uetr);
    // One snapshot for the row, its timeline and its recall and returns: a change committed between separate reads
    // could show, say, a recall EXPIRED whose timeline entry the earlier read had not seen yet.
    const { row, timelines, exceptions } = await withTransaction(
      this.pool,
      async (db) => {
        const found = await this.repo.find(id, participant, asCreditor, db);
        if (!found) throw paymentsError('not_found', 'no such payment');
        return { row: found, timelines: await this.repo.timelines([found.uetr], db), exceptions: await this.exceptions.forPayments([found.uetr], db) };
      },
      READ_SNAPSHOT,
    );
    // Opens a recall's sealed comment (both banks read it).
    return this.customerData.fill(
      paymentView(row, timelines.get(row.uetr) ?? [], asCreditor ? this.customerData.open(row) : null, exceptions.get(row.uetr) ?? NO_EXCEPTIONS),
    );
  }

  /**
   * The ledger transaction whose finality proof is the payment's (API.md "Finality proof"): the one that decided its
   * status when that is not the payment's own transaction (a conditional payment's fulfilment or expiry), else the
   * payment's. Others than its debtor (or, with `asCreditor`, its creditor) get `404`.
   */
  async proofTransaction(participant: string, uetr: string, asCreditor = false): Promise<string> {
    const row = await this.repo.find(parseUetr(uetr), participant, asCreditor);
    if (!row) throw paymentsError('not_found', 'no such payment');
    return row.ledger_tx_id ?? row.uetr;
  }

  async list(participant: string, query: unknown, asCreditor = false) {
    const q = parseOrProblem(listQuerySchema, query, 'query');
    const list = asCreditor ? 'incoming-payments' : 'payments';
    const after = q.cursor ? this.cursors.decodeTime(list, q.cursor) : undefined;
    // One snapshot for the rows and their timelines, recalls and returns (see get).
    const { rows, timelines, exceptions } = await withTransaction(
      this.pool,
      async (db) => {
        const listed = await this.repo.list({ participant, asCreditor, status: q.status, since: q.since, limit: q.limit + 1, after }, db);
        const uetrs = listed.slice(0, q.limit).map((r) => r.uetr);
        return { rows: listed, timelines: await this.repo.timelines(uetrs, db), exceptions: await this.exceptions.forPayments(uetrs, db) };
      },
      READ_SNAPSHOT,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: await this.customerData.fill(
        page.map((r) => paymentView(r, timelines.get(r.uetr) ?? [], asCreditor ? this.customerData.open(r) : null, exceptions.get(r.uetr) ?? NO_EXCEPTIONS)),
      ),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime(list, { at: last.cursor_at, id: last.uetr }) : null,
    };
  }
}

/** A path uetr, lower-cased; a malformed one is a 400 with its field path, never a database error. */
export function parseUetr(uetr: string): string {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(uetr)) {
    throw paymentsError('validation_failed', 'the uetr is not a UUID', [{ path: 'path.uetr', message: 'must be a UUID' }]);
  }
  return uetr.toLowerCase();
}

/** A UUID (version 4 layout) derived from the batch id and the item's position: stable across retries. */
export function itemUetr(batchId: string, index: number): string {
  const bytes = sha256Bytes(`${batchId}:${index}`).slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The intent's liquidity instruction: only a payment that asks to queue carries one (`reject` is the default). */
export function intentLiquidity(request: Pick<PaymentRequest, 'liquidity'>): Pick<PaymentIntentMessage, 'liquidity'> {
  const l = request.liquidity;
  if (l?.onShortfall !== 'queue' || l.queueFor === undefined) return {};
  return { liquidity: { onShortfall: 'queue', queueForMs: l.queueFor * 1_000 } };
}

/** The intent's hash-lock (API.md "Conditional payments"), its deadline as Unix ms; none for an ordinary payment. */
export function intentCondition(request: Pick<PaymentRequest, 'condition'>): Pick<PaymentIntentMessage, 'condition'> {
  const c = request.condition;
  return c ? { condition: { type: c.type, hash: c.hash, expiresAt: Date.parse(c.expiresAt) } } : {};
}

/** A problem fx-quote answered for one item of a batch, as the error a single call would have thrown. */
function problemError(p: ReturnType<typeof problemBody>): ProblemError {
  return new ProblemError(p.status, p.code, p.title, p.detail, p.errors);
}
