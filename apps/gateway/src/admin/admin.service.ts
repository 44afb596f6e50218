import { adminError } from './admin.errors';
import { Pool, PoolClient, enqueueOutbox, parseOrProblem, topicName, withTransaction, ListCursorCodec } from '@nostro/platform';
import {
  LedgerRejection,
  ParticipantConfigMessage,
  Topic,
  TransferRequestMessage,
  asCurrency,
  formatAmount,
  newMessageId,
  parseAmount,
  sha256Hex,
} from '@nostro/shared';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createOperatorSchema, createParticipantSchema, pageQuerySchema, transferSchema, updateParticipantSchema } from '../http/api.schemas';
import { GatewayConfig } from '../config';
import { fieldProblem } from '../http/gateway.errors';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { LedgerClient } from '../ledger/ledger.client';
import { OperatorsRepository } from '../operators/operators.repository';
import { ParticipantCache } from '../participants/participant.cache';
import { ParticipantRow, ParticipantsRepository } from '../participants/participants.repository';
import { ParticipantKeysService, assertPublicKey, keyConflict, keyView } from '../participants/participant-keys.service';
import { WebhookEgress } from '../webhooks/webhook-egress';
import { AdminRequestsRepository } from './admin-requests.repository';
import { RequestOutcome, RequestWaiter } from './request-waiter';

export { keyView };

const SYSTEM_PARTICIPANTS = new Set(['FXDESK', 'FEES', 'EXTERNAL']);

export function participantView(p: ParticipantRow) {
  return { id: p.id, name: p.name, currencies: p.currencies, webhookUrl: p.webhook_url, status: p.status };
}

/** Operator actions: operators, participants and their keys, suspension, deposits and withdrawals. */
export class AdminService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly participants: ParticipantsRepository,
    private readonly operators: OperatorsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly waiter: RequestWaiter,
    private readonly ledger: LedgerClient,
    private readonly cache: ParticipantCache,
    private readonly cursors: ListCursorCodec,
    private readonly requests: AdminRequestsRepository,
    private readonly keys: ParticipantKeysService,
    private readonly egress: WebhookEgress,
  ) {}

  private topic(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
  }

  async bootstrapAdmin(): Promise<void> {
    if (this.config.bootstrapAdminToken) await this.operators.ensureBootstrapAdmin(randomUUID(), sha256Hex(this.config.bootstrapAdminToken));
  }

  async createOperator(body: unknown): Promise<HttpResult> {
    const { name, role } = parseOrProblem(createOperatorSchema, body);
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    await this.operators.insert({ id, name, role, tokenHash: sha256Hex(token) });
    // The token is shown once: the stored answer a retry with the same Idempotency-Key gets has none.
    return { status: 201, body: { id, name, role, token }, replayBody: { id, name, role, token: null } };
  }

  async listOperators() {
    const rows = await this.operators.list();
    return {
      data: rows.map((o) => ({ id: o.id, name: o.name, role: o.role, createdAt: o.created_at.toISOString(), revokedAt: o.revoked_at?.toISOString() ?? null })),
    };
  }

  async deleteOperator(id: string): Promise<void> {
    if (!z.uuid().safeParse(id).success || !(await this.operators.revoke(id))) throw adminError('not_found', 'no such operator');
  }

  async createParticipant(body: unknown, correlationId: string): Promise<HttpResult> {
    const p = parseOrProblem(createParticipantSchema, body);
    if (SYSTEM_PARTICIPANTS.has(p.id)) throw adminError('participant_exists', `${p.id} is a system participant`);
    const unsupported = p.currencies.filter((c) => !this.config.CURRENCIES.includes(c));
    if (unsupported.length > 0) throw adminError('corridor_unavailable', `not enabled here: ${unsupported.join(', ')}`);
    assertPublicKey(p.publicKey, 'publicKey');
    this.keys.assertKeyIdFree(p.id, 'id');
    if (p.webhookUrl !== undefined) await this.egress.assertAllowed(p.webhookUrl, 'webhookUrl');
    const requestId = randomUUID();
    const message: ParticipantConfigMessage = { kind: 'participant.config', id: newMessageId(), requestId, participant: p.id, currencies: p.currencies };
    await withTransaction(this.pool, async (tx) => {
      const outcome = await this.participants.insert(tx, p);
      if (outcome === 'participant_exists') throw adminError('participant_exists', `participant ${p.id} already exists`);
      if (outcome !== 'created') throw keyConflict(outcome, p.id); // rolls the participant row back
      await this.submit(tx, requestId, 'participant', p.id, message, correlationId);
    });
    this.cache.invalidate();
    const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
    const view = {
      id: p.id,
      name: p.name,
      currencies: p.currencies,
      keyId: p.id,
      webhookUrl: p.webhookUrl ?? null,
      status: 'active',
      ledger: ledgerState(outcome),
    };
    return { status: outcome?.status === 'SETTLED' ? 201 : 202, body: view, store: outcome?.status === 'SETTLED' };
  }

  async getParticipant(id: string) {
    const p = await this.existing(id);
    return { ...participantView(p), keys: (await this.participants.keys(id)).map(keyView) };
  }

  async listParticipants(query: unknown) {
    const q = parseOrProblem(pageQuerySchema, query, 'query');
    const after = q.cursor ? this.decodeParticipantCursor(q.cursor) : undefined;
    const rows = await this.participants.list(q.limit + 1, after);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { data: page.map(participantView), nextCursor: rows.length > q.limit && last ? this.cursors.encode('participants', [last.id]) : null };
  }

  private decodeParticipantCursor(cursor: string): string {
    const [id] = this.cursors.decode('participants', cursor, 1) as [string];
    if (!/^[A-Z0-9]{1,11}$/.test(id)) throw fieldProblem('query.cursor', 'not a cursor this API issued', 'invalid cursor');
    return id;
  }

  async updateParticipant(id: string, body: unknown) {
    const patch = parseOrProblem(updateParticipantSchema, body);
    if (patch.webhookUrl) await this.egress.assertAllowed(patch.webhookUrl, 'webhookUrl');
    await this.existing(id);
    await withTransaction(this.pool, (tx) => this.participants.update(tx, id, patch));
    this.cache.invalidate();
    return participantView(await this.existing(id));
  }

  /** `POST /v1/admin/participants/{id}/keys`: a further key (rotation: add the new one, then revoke the old). */
  async addKey(id: string, body: unknown): Promise<HttpResult> {
    const key = this.keys.parseNewKey(body);
    await this.existing(id);
    return { status: 201, body: keyView(await this.keys.add(id, key)) };
  }

  async listKeys(id: string) {
    await this.existing(id);
    return { data: (await this.participants.keys(id)).map(keyView) };
  }

  /** Revocation takes effect on this replica at once and on the others when they hear the notification. */
  async revokeKey(id: string, keyId: string): Promise<void> {
    await this.existing(id);
    const revoked = await withTransaction(this.pool, (tx) => this.participants.revokeKey(tx, id, keyId));
    if (!revoked) throw adminError('not_found', `participant ${id} has no active key ${keyId}`);
    this.cache.invalidate();
  }

  /**
   * Suspends or resumes a participant: the gateway refuses (or accepts again) its writes at once, and a
   * `participant.config` message with `suspended` tells settlement, which makes the ledger suspend or resume it,
   * so every validator judges its transactions the same way. Answered once the ledger has it final (200), or 202.
   */
  async setSuspended(id: string, suspended: boolean, correlationId: string): Promise<HttpResult> {
    const p = await this.existing(id);
    const requestId = randomUUID();
    const message: ParticipantConfigMessage = {
      kind: 'participant.config',
      id: newMessageId(),
      requestId,
      participant: id,
      currencies: p.currencies,
      suspended,
    };
    await withTransaction(this.pool, async (tx) => {
      await this.participants.setStatus(tx, id, suspended ? 'suspended' : 'active');
      await this.submit(tx, requestId, suspended ? 'suspend' : 'resume', id, message, correlationId);
    });
    this.cache.invalidate();
    const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
    const body = { ...participantView(await this.existing(id)), requestId, ledger: ledgerState(outcome) };
    return { status: outcome?.status === 'SETTLED' ? 200 : 202, body, store: outcome?.status === 'SETTLED' };
  }

  private async submit(
    tx: PoolClient,
    requestId: string,
    kind: string,
    participant: string,
    message: ParticipantConfigMessage | TransferRequestMessage,
    correlationId: string,
  ): Promise<void> {
    await this.requests.submit(tx, { requestId, kind, participant, payload: message });
    await enqueueOutbox(tx, [{ topic: this.topic(), key: participant, payload: message, headers: { 'x-correlation-id': correlationId } }]);
  }

  private async existing(id: string): Promise<ParticipantRow> {
    const p = await this.participants.find(id);
    if (!p) throw adminError('not_found', `no participant ${id}`);
    return p;
  }

  /** Deposits and withdrawals: answered once final on the ledger (201), or 202 while it is not yet (not stored). */
  async transfer(
    type: 'deposit' | 'withdrawal',
    participantId: string,
    body: unknown,
    key: string,
    rawBody: Buffer | undefined,
    correlationId: string,
  ): Promise<HttpResult> {
    const participant = await this.participants.find(participantId);
    if (!participant && !SYSTEM_PARTICIPANTS.has(participantId)) throw adminError('not_found', 'no such participant');
    const hash = IdempotencyService.requestHash('POST', `/v1/admin/participants/${participantId}/${type}s`, rawBody);
    return this.idempotency.run(`admin:${participantId}`, key, hash, async (requestId) => {
      const result = await this.submitTransfer(type, participantId, body, requestId, correlationId);
      return { ...result, store: result.status !== 202 };
    });
  }

  private async submitTransfer(
    type: 'deposit' | 'withdrawal',
    participantId: string,
    body: unknown,
    requestId: string,
    correlationId: string,
  ): Promise<HttpResult> {
    const t = parseOrProblem(transferSchema, body);
    const currency = asCurrency(t.currency);
    const amountMinor = parseTransferAmount(t.amount, currency);
    const max = this.config.transferMaxMinor(currency);
    if (amountMinor > max) {
      throw adminError('limit_exceeded', `one ${type} moves at most ${formatAmount(max, currency)} ${currency} (TRANSFER_MAX_AMOUNTS)`, [
        { path: 'amount', message: `at most ${formatAmount(max, currency)}` },
      ]);
    }
    const message: TransferRequestMessage = {
      kind: 'transfer.request',
      id: newMessageId(),
      requestId,
      type,
      participant: participantId,
      currency,
      amountMinor: amountMinor.toString(),
      reference: t.reference,
    };
    await withTransaction(this.pool, (tx) => this.submit(tx, requestId, type, participantId, message, correlationId));
    const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
    return this.transferResult(outcome, { requestId, type, participantId, currency, amount: formatAmount(amountMinor, currency), reference: t.reference });
  }

  private async transferResult(
    outcome: RequestOutcome | null,
    t: { requestId: string; type: string; participantId: string; currency: string; amount: string; reference: string },
  ): Promise<HttpResult> {
    const base = { requestId: t.requestId, type: t.type, participant: t.participantId, currency: t.currency, amount: t.amount, reference: t.reference };
    if (!outcome || outcome.status === 'SUBMITTED') return { status: 202, body: { ...base, status: 'SUBMITTED' } };
    if (outcome.status === 'REJECTED') {
      const code = outcome.reason === LedgerRejection.INSUFFICIENT_FUNDS ? LedgerRejection.INSUFFICIENT_FUNDS : (outcome.reason ?? 'rejected');
      const problemJson = {
        type: `https://nostro.dev/problems/${code}`,
        title: 'Rejected by the ledger',
        status: 422,
        detail: `the ledger rejected the ${t.type}: ${outcome.reason}`,
        code,
      };
      return { status: 422, body: problemJson };
    }
    const { accounts } = await this.ledger.balances(t.participantId, outcome.blockHeight ?? 0);
    const account = accounts.find((a) => a.currency === t.currency);
    const currency = asCurrency(t.currency);
    return {
      status: 201,
      body: {
        ...base,
        status: 'SETTLED',
        block: { height: outcome.blockHeight, hash: outcome.blockHash },
        balance: account ? formatAmount(BigInt(account.balance), currency) : null,
      },
    };
  }
}

function ledgerState(outcome: RequestOutcome | null): string {
  return outcome?.status === 'SETTLED' ? 'ready' : outcome?.status === 'REJECTED' ? `rejected: ${outcome.reason}` : 'pending';
}

function parseTransferAmount(amount: string, currency: ReturnType<typeof asCurrency>): bigint {
  let minor: bigint;
  try {
    minor = parseAmount(amount, currency);
  } catch (error) {
    throw fieldProblem('amount', (error as Error).message, 'invalid amount');
  }
  if (minor <= 0n) throw fieldProblem('amount', 'amount must be positive', 'invalid amount');
  return minor;
}
