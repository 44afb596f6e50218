import { BatchContext, ConsumedMessage, Logger, OutboxMessage, Pool, counter, enqueueOutbox, topicName, withTransaction } from '@nostro/platform';
import {
  FinalityMessage,
  LedgerConfig,
  LedgerTransfer,
  ParticipantConfigMessage,
  PaymentIntentMessage,
  PaymentStatus,
  PaymentStatusEvent,
  RejectReason,
  RequestStatusEvent,
  SettlementRequest,
  Topic,
  TransferRequestMessage,
  blockHash,
  buildPaymentPostings,
  buildTransferPostings,
  sha256Hex,
  systemAccountSpecs,
  transition,
  verifyBlockSignature,
  verifyQuote,
} from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { SettlementConfig } from './config';
import { SettlementRepository, StatusChange } from './settlement.repository';

const payments = counter('settlement_payments_total', 'Payment transitions by status', ['status']);
const refusedFinality = counter('settlement_finality_refused_total', 'Finality records refused (bad hash or quorum)');

/** The payment state machine: intents in, ledger transactions out, finality in, status events out. */
export class SettlementService {
  private readonly validatorKeys: Map<string, string>;

  constructor(
    private readonly config: SettlementConfig,
    private readonly repo: SettlementRepository,
    private readonly log: Logger,
  ) {
    this.validatorKeys = new Map(config.VALIDATOR_PUBLIC_KEYS.map((v) => [v.id, v.publicKey]));
  }

  private topic(suffix: string): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, suffix);
  }

  /** Opens FXDESK, FEES and EXTERNAL in every enabled currency, once per currency set (idempotent by id). */
  async bootstrap(pool: Pool): Promise<void> {
    const currencies = [...this.config.CURRENCIES].sort();
    const id = `bootstrap-${sha256Hex(currencies.join(',')).slice(0, 24)}`;
    const entry: LedgerConfig = { kind: 'config', id, op: 'open_accounts', accounts: systemAccountSpecs(currencies) };
    await withTransaction(pool, async (tx) => {
      if (!(await this.repo.insertRequest(tx, { requestId: id, kind: 'bootstrap', participant: null, payload: entry }))) return;
      await enqueueOutbox(tx, [{ topic: this.topic(Topic.LEDGER_TX), payload: entry }]);
      this.log.info({ id, currencies: currencies.length }, 'system accounts submitted to the ledger');
    });
  }

  async handleRequests(ctx: BatchContext, messages: ConsumedMessage<SettlementRequest>[]): Promise<void> {
    const out: OutboxMessage[] = [];
    for (const { value, correlationId } of messages) {
      const headers = { 'x-correlation-id': correlationId };
      switch (value.kind) {
        case 'payment.intent':
          out.push(...(await this.acceptPayment(ctx, value, headers)));
          break;
        case 'transfer.request':
          out.push(...(await this.submitTransfer(ctx, value, headers)));
          break;
        case 'participant.config':
          out.push(...(await this.configureParticipant(ctx, value, headers)));
          break;
      }
    }
    await ctx.publish(out);
  }

  private refusal(intent: PaymentIntentMessage): string | null {
    const { quote } = intent;
    if (quote.participant !== intent.participant || !verifyQuote(quote, this.config.FX_PUBLIC_KEY)) return RejectReason.QUOTE_INVALID;
    if (intent.acceptedAt > Date.parse(quote.expiresAt)) return RejectReason.QUOTE_EXPIRED;
    return null;
  }

  private async acceptPayment(ctx: BatchContext, intent: PaymentIntentMessage, headers: Record<string, string>): Promise<OutboxMessage[]> {
    const acceptedAt = new Date(intent.acceptedAt);
    const fresh = await this.repo.insertReceived(ctx.tx, { uetr: intent.uetr, participant: intent.participant, quote: intent.quote, acceptedAt });
    if (!fresh) return [];
    let reason = this.refusal(intent);
    if (!reason && !(await this.repo.useQuote(ctx.tx, intent.quote.id, intent.uetr))) reason = RejectReason.QUOTE_ALREADY_USED;
    const now = new Date();
    if (reason) {
      const change: StatusChange = { uetr: intent.uetr, status: transition('RECEIVED', 'REJECTED'), reason, at: now, cause: 'settlement check' };
      await this.repo.applyChanges(ctx.tx, [change]);
      return [this.statusEvent(intent.participant, change, headers)];
    }
    const notAfter = new Date(now.getTime() + this.config.PAYMENT_NOT_AFTER_MS);
    const transfer: LedgerTransfer = { kind: 'transfer', id: intent.uetr, uetr: intent.uetr, postings: buildPaymentPostings(intent.quote), notAfter: notAfter.getTime() };
    const change: StatusChange = { uetr: intent.uetr, status: transition('RECEIVED', 'SUBMITTED'), reason: null, at: now, cause: 'submitted to the ledger', notAfter };
    await this.repo.applyChanges(ctx.tx, [change]);
    return [{ topic: this.topic(Topic.LEDGER_TX), payload: transfer, headers }, this.statusEvent(intent.participant, change, headers)];
  }

  private async submitTransfer(ctx: BatchContext, msg: TransferRequestMessage, headers: Record<string, string>): Promise<OutboxMessage[]> {
    if (!(await this.repo.insertRequest(ctx.tx, { requestId: msg.requestId, kind: msg.type, participant: msg.participant, payload: msg }))) return [];
    const transfer: LedgerTransfer = {
      kind: 'transfer',
      id: msg.requestId,
      postings: buildTransferPostings(msg.type, msg.participant, msg.currency, BigInt(msg.amountMinor)),
    };
    return [{ topic: this.topic(Topic.LEDGER_TX), payload: transfer, headers }];
  }

  private async configureParticipant(ctx: BatchContext, msg: ParticipantConfigMessage, headers: Record<string, string>): Promise<OutboxMessage[]> {
    if (!(await this.repo.insertRequest(ctx.tx, { requestId: msg.requestId, kind: 'participant', participant: msg.participant, payload: msg }))) return [];
    const entry: LedgerConfig = {
      kind: 'config',
      id: msg.requestId,
      op: 'open_accounts',
      accounts: msg.currencies.map((currency) => ({ account: `${msg.participant}:${currency}`, netDebitCap: '0' })),
    };
    return [{ topic: this.topic(Topic.LEDGER_TX), payload: entry, headers }];
  }

  /** True when the record's hash matches its header and a quorum of distinct known validators signed it. */
  private trustworthy(record: FinalityMessage): boolean {
    const { hash, ...header } = record.block;
    if (blockHash(header) !== hash) return false;
    const signers = new Set<string>();
    for (const s of record.signatures) {
      const key = this.validatorKeys.get(s.validator);
      if (key && verifyBlockSignature(hash, s.signature, key)) signers.add(s.validator);
    }
    return signers.size >= this.config.LEDGER_QUORUM;
  }

  async handleFinality(ctx: BatchContext, messages: ConsumedMessage<FinalityMessage>[]): Promise<void> {
    for (const { value: record, correlationId } of messages) {
      if (!this.trustworthy(record)) {
        refusedFinality.inc();
        this.log.error({ height: record.block.height }, 'finality record refused: hash or quorum signatures do not verify');
        continue;
      }
      if (!(await this.repo.markBlockFinal(ctx.tx, record.block.height, record.block.hash))) continue;
      await ctx.publish([...(await this.settlePayments(ctx, record, correlationId)), ...(await this.finishRequests(ctx, record))]);
    }
  }

  private async settlePayments(ctx: BatchContext, record: FinalityMessage, correlationId: string): Promise<OutboxMessage[]> {
    const outcomes = new Map(record.transactions.filter((t) => t.kind === 'transfer' && t.uetr).map((t) => [t.uetr as string, t.outcome]));
    const rows = await this.repo.lockPayments(ctx.tx, [...outcomes.keys()]);
    const at = new Date();
    const block = { blockHeight: record.block.height, blockHash: record.block.hash };
    const changes: (StatusChange & { participant: string })[] = [];
    for (const row of rows) {
      const outcome = outcomes.get(row.uetr);
      if (row.status !== 'SUBMITTED' || !outcome) continue;
      const status: PaymentStatus = transition(row.status, outcome.status === 'accepted' ? 'SETTLED' : 'REJECTED');
      const reason = outcome.status === 'rejected' ? outcome.reason : null;
      changes.push({ uetr: row.uetr, participant: row.participant, status, reason, at, cause: `ledger block ${record.block.height}`, ...block });
    }
    await this.repo.applyChanges(ctx.tx, changes);
    return changes.map((c) => this.statusEvent(c.participant, c, { 'x-correlation-id': correlationId }));
  }

  private async finishRequests(ctx: BatchContext, record: FinalityMessage): Promise<OutboxMessage[]> {
    const outcomes = record.transactions
      .filter((t) => !t.uetr)
      .map((t) => ({ id: t.id, status: t.outcome.status === 'accepted' ? 'SETTLED' : 'REJECTED', reason: t.outcome.status === 'rejected' ? t.outcome.reason : null }));
    const finished = await this.repo.finishRequests(ctx.tx, outcomes, record.block.height);
    const at = Date.now();
    return finished
      .filter((f) => /^[0-9a-f-]{36}$/.test(f.id))
      .map((f) => {
        const event: RequestStatusEvent = {
          kind: 'request.status',
          id: randomUUID(),
          requestId: f.id,
          status: f.status,
          ...(f.reason ? { reason: f.reason } : {}),
          at,
          block: { height: record.block.height, hash: record.block.hash },
        };
        return { topic: this.topic(Topic.SETTLEMENT_EVENTS), key: f.id, payload: event };
      });
  }

  private statusEvent(participant: string, change: StatusChange, headers: Record<string, string>): OutboxMessage {
    payments.labels(change.status).inc();
    const event: PaymentStatusEvent = {
      kind: 'payment.status',
      id: randomUUID(),
      uetr: change.uetr,
      participant,
      status: change.status,
      ...(change.reason ? { reason: change.reason } : {}),
      at: change.at.getTime(),
      ...(change.blockHeight ? { block: { height: change.blockHeight, hash: change.blockHash as string } } : {}),
    };
    return { topic: this.topic(Topic.SETTLEMENT_EVENTS), key: change.uetr, payload: event, headers };
  }
}
