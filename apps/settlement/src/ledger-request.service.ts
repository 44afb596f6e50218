import { Logger, OutboxMessage, Pool, enqueueOutbox, topicName, withTransaction } from '@nostro/platform';
import {
  FinalityMessage,
  LedgerConfig,
  LedgerEntry,
  LedgerTransfer,
  LimitsSetMessage,
  ParticipantConfigMessage,
  Topic,
  TransferRequestMessage,
  accountId,
  buildTransferPostings,
  limitsSetSchema,
  sha256Hex,
  systemAccountSpecs,
} from '@nostro/shared';
import { SettlementConfig } from './config';
import { FinishedRequest, LedgerRequestRepository } from './ledger-request.repository';
import { LimitsRepository } from './limits.repository';
import { TxContext } from './payment.service';
import { StatusEvents } from './status-events';

type Headers = Record<string, string>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Operator requests that become ledger transactions (deposits, withdrawals, accounts, limits, suspensions): each is
 * recorded once by its request id and submitted through the outbox; its final outcome goes back to the gateway.
 */
export class LedgerRequestService {
  constructor(
    private readonly config: SettlementConfig,
    private readonly requests: LedgerRequestRepository,
    private readonly limits: LimitsRepository,
    private readonly events: StatusEvents,
    private readonly log: Logger,
  ) {}

  private submit(entry: LedgerEntry, headers: Headers): OutboxMessage {
    return { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX), payload: entry, headers };
  }

  /** Opens FXDESK, FEES and EXTERNAL in every enabled currency, once per currency set (idempotent by id). */
  async bootstrap(pool: Pool): Promise<void> {
    const currencies = [...this.config.CURRENCIES].sort();
    const id = `bootstrap-${sha256Hex(currencies.join(',')).slice(0, 24)}`;
    const entry: LedgerConfig = { kind: 'config', id, op: 'open_accounts', accounts: systemAccountSpecs(currencies) };
    await withTransaction(pool, async (tx) => {
      if (!(await this.requests.insertRequest(tx, { requestId: id, kind: 'bootstrap', participant: null, payload: entry }))) return;
      await enqueueOutbox(tx, [this.submit(entry, {})]);
      this.log.info({ id, currencies: currencies.length }, 'system accounts submitted to the ledger');
    });
  }

  /** A deposit credits the participant from EXTERNAL, a withdrawal the reverse; the ledger checks the balance. */
  async transfer(ctx: TxContext, msg: TransferRequestMessage, headers: Headers): Promise<OutboxMessage[]> {
    if (!(await this.requests.insertRequest(ctx.tx, { requestId: msg.requestId, kind: msg.type, participant: msg.participant, payload: msg }))) return [];
    const amountMinor = BigInt(msg.amountMinor);
    if (amountMinor <= 0n) {
      // A negative deposit would be a withdrawal in disguise: refused here, never sent to the ledger.
      await this.requests.refuse(ctx.tx, msg.requestId, 'invalid_amount');
      return [this.events.request({ requestId: msg.requestId, status: 'REJECTED', reason: 'invalid_amount' })];
    }
    const postings = buildTransferPostings(msg.type, msg.participant, msg.currency, amountMinor);
    const transfer: LedgerTransfer = { kind: 'transfer', id: msg.requestId, postings };
    return [this.submit(transfer, headers)];
  }

  /** Opens a participant's accounts, or suspends / resumes it (`suspended` set) — on the ledger, in stream order. */
  async configureParticipant(ctx: TxContext, msg: ParticipantConfigMessage, headers: Headers): Promise<OutboxMessage[]> {
    const op = msg.suspended === undefined ? 'open_accounts' : msg.suspended ? 'suspend' : 'resume';
    const kind = op === 'open_accounts' ? 'participant' : op;
    if (!(await this.requests.insertRequest(ctx.tx, { requestId: msg.requestId, kind, participant: msg.participant, payload: msg }))) return [];
    const entry: LedgerConfig =
      op === 'open_accounts'
        ? { kind: 'config', id: msg.requestId, op, accounts: msg.currencies.map((c) => ({ account: accountId(msg.participant, c), netDebitCap: '0' })) }
        : { kind: 'config', id: msg.requestId, op, accounts: [], participant: msg.participant };
    return [this.submit(entry, headers)];
  }

  /** The net debit cap goes to the ledger as set_limits; the hold threshold takes effect when the ledger accepts it. */
  async setLimits(ctx: TxContext, msg: LimitsSetMessage, headers: Headers): Promise<OutboxMessage[]> {
    if (!(await this.requests.insertRequest(ctx.tx, { requestId: msg.requestId, kind: 'limits', participant: msg.participant, payload: msg }))) return [];
    const entry: LedgerConfig = {
      kind: 'config',
      id: msg.requestId,
      op: 'set_limits',
      accounts: [{ account: accountId(msg.participant, msg.currency), netDebitCap: msg.netDebitCapMinor }],
    };
    return [this.submit(entry, headers)];
  }

  /** Finishes the requests a final block decided; returns their outcome events for the gateway. */
  async finish(ctx: TxContext, record: FinalityMessage): Promise<OutboxMessage[]> {
    const outcomes = record.transactions
      .map((t, txIndex) => ({ t, txIndex }))
      .filter(({ t }) => !t.uetr)
      .map(({ t, txIndex }) => ({
        id: t.id,
        status: t.outcome.status === 'accepted' ? 'SETTLED' : 'REJECTED',
        reason: t.outcome.status === 'rejected' ? t.outcome.reason : null,
        txIndex,
      }));
    const finished = await this.requests.finishRequests(ctx.tx, outcomes, record.block.height);
    const block = { height: record.block.height, hash: record.block.hash };
    for (const f of finished) await this.afterFinish(ctx, f, block.height);
    return finished.filter((f) => UUID.test(f.id)).map((f) => this.events.request({ requestId: f.id, status: f.status, reason: f.reason, block }));
  }

  private async afterFinish(ctx: TxContext, f: FinishedRequest, height: number): Promise<void> {
    if (f.kind !== 'limits' || f.status !== 'SETTLED') return;
    const msg = limitsSetSchema.parse(f.payload);
    await this.limits.apply(ctx.tx, {
      participant: msg.participant,
      currency: msg.currency,
      netDebitCapMinor: BigInt(msg.netDebitCapMinor),
      holdAboveMinor: msg.holdAboveMinor === null ? null : BigInt(msg.holdAboveMinor),
      requestId: f.id,
      blockHeight: height,
      txIndex: f.txIndex,
    });
  }
}
