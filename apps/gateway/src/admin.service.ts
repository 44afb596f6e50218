import { Pool, ProblemError, enqueueOutbox, parseOrProblem, topicName, withTransaction } from '@nostro/platform';
import {
  InvalidPublicKeyError,
  ParticipantConfigMessage,
  Topic,
  TransferRequestMessage,
  asCurrency,
  assertValidPublicKey,
  base64UrlDecode,
  formatAmount,
  parseAmount,
  sha256Hex,
} from '@nostro/shared';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createOperatorSchema, createParticipantSchema, transferSchema } from './api.schemas';
import { GatewayConfig } from './config';
import { IdempotencyService } from './idempotency.service';
import { LedgerClient } from './ledger.client';
import { OperatorsRepository } from './operators.repository';
import { ParticipantsRepository } from './participants.repository';
import { RequestOutcome, RequestWaiter } from './request-waiter';
import { HttpResult } from './payments.service';
import { problemBody } from './problem-body';

const SYSTEM_PARTICIPANTS = new Set(['FXDESK', 'FEES', 'EXTERNAL']);

/** Operator actions: operators, participants, deposits and withdrawals (answered once final on the ledger). */
export class AdminService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly participants: ParticipantsRepository,
    private readonly operators: OperatorsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly waiter: RequestWaiter,
    private readonly ledger: LedgerClient,
  ) {}

  private topic(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.SETTLEMENT_REQUESTS);
  }

  async bootstrapAdmin(): Promise<void> {
    if (this.config.bootstrapAdminToken) await this.operators.ensureBootstrapAdmin(randomUUID(), sha256Hex(this.config.bootstrapAdminToken));
  }

  async createOperator(body: unknown): Promise<{ id: string; name: string; role: string; token: string }> {
    const { name, role } = parseOrProblem(createOperatorSchema, body);
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    await this.operators.insert({ id, name, role, tokenHash: sha256Hex(token) });
    return { id, name, role, token };
  }

  async deleteOperator(id: string): Promise<void> {
    if (!z.uuid().safeParse(id).success || !(await this.operators.revoke(id))) throw new ProblemError(404, 'not_found', 'Not found', 'no such operator');
  }

  async createParticipant(body: unknown, correlationId: string): Promise<HttpResult> {
    const p = parseOrProblem(createParticipantSchema, body);
    if (SYSTEM_PARTICIPANTS.has(p.id)) throw new ProblemError(409, 'participant_exists', 'Participant exists', `${p.id} is a system participant`);
    const unsupported = p.currencies.filter((c) => !this.config.CURRENCIES.includes(c));
    if (unsupported.length > 0) throw new ProblemError(422, 'corridor_unavailable', 'Currency not enabled', `not enabled here: ${unsupported.join(', ')}`);
    try {
      assertValidPublicKey(base64UrlDecode(p.publicKey));
    } catch (error) {
      if (!(error instanceof InvalidPublicKeyError) && !(error instanceof Error)) throw error;
      throw new ProblemError(400, 'validation_failed', 'Validation failed', 'publicKey is not a valid Ed25519 public key', [{ path: 'publicKey', message: (error as Error).message }]);
    }
    const requestId = randomUUID();
    const message: ParticipantConfigMessage = { kind: 'participant.config', id: randomUUID(), requestId, participant: p.id, currencies: p.currencies };
    const created = await withTransaction(this.pool, async (tx) => {
      if (!(await this.participants.insert(tx, p))) return false;
      await tx.query(`INSERT INTO admin_requests (request_id, kind, participant, payload, status) VALUES ($1, 'participant', $2, $3, 'SUBMITTED')`, [requestId, p.id, JSON.stringify(message)]);
      await enqueueOutbox(tx, [{ topic: this.topic(), key: p.id, payload: message, headers: { 'x-correlation-id': correlationId } }]);
      return true;
    });
    if (!created) throw new ProblemError(409, 'participant_exists', 'Participant exists', `participant ${p.id} already exists`);
    const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
    const body201 = { id: p.id, name: p.name, currencies: p.currencies, keyId: p.id, webhookUrl: p.webhookUrl ?? null, ledger: ledgerState(outcome) };
    return { status: outcome?.status === 'SETTLED' ? 201 : 202, body: body201 };
  }

  async transfer(type: 'deposit' | 'withdrawal', participantId: string, body: unknown, key: string, correlationId: string): Promise<HttpResult> {
    const participant = await this.participants.find(participantId);
    if (!participant && !SYSTEM_PARTICIPANTS.has(participantId)) throw new ProblemError(404, 'not_found', 'Not found', 'no such participant');
    const start = await this.idempotency.start(`admin:${participantId}`, key, sha256Hex(`${type}\n${JSON.stringify(body)}`));
    if (start.kind === 'replay') return { status: start.status, body: start.body, replayed: true };
    const scope = `admin:${participantId}`;
    try {
      const result = await this.submitTransfer(type, participantId, body, start.resourceId, correlationId);
      if (result.status !== 202) await this.idempotency.complete(this.pool, scope, key, result.status, result.body);
      else await this.idempotency.release(scope, key);
      return result;
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) await this.idempotency.complete(this.pool, scope, key, error.status, problemBody(error));
      else await this.idempotency.release(scope, key).catch(() => undefined);
      throw error;
    }
  }

  private async submitTransfer(type: 'deposit' | 'withdrawal', participantId: string, body: unknown, requestId: string, correlationId: string): Promise<HttpResult> {
    const t = parseOrProblem(transferSchema, body);
    const currency = asCurrency(t.currency);
    const amountMinor = parseTransferAmount(t.amount, currency);
    const message: TransferRequestMessage = { kind: 'transfer.request', id: randomUUID(), requestId, type, participant: participantId, currency, amountMinor: amountMinor.toString(), reference: t.reference };
    await withTransaction(this.pool, async (tx) => {
      await tx.query(
        `INSERT INTO admin_requests (request_id, kind, participant, payload, status) VALUES ($1, $2, $3, $4, 'SUBMITTED') ON CONFLICT DO NOTHING`,
        [requestId, type, participantId, JSON.stringify(message)],
      );
      await enqueueOutbox(tx, [{ topic: this.topic(), key: participantId, payload: message, headers: { 'x-correlation-id': correlationId } }]);
    });
    const outcome = await this.waiter.wait(requestId, this.config.LEDGER_WAIT_MS);
    return this.transferResult(outcome, { requestId, type, participantId, currency, amount: formatAmount(amountMinor, currency), reference: t.reference });
  }

  private async transferResult(outcome: RequestOutcome | null, t: { requestId: string; type: string; participantId: string; currency: string; amount: string; reference: string }): Promise<HttpResult> {
    const base = { requestId: t.requestId, type: t.type, participant: t.participantId, currency: t.currency, amount: t.amount, reference: t.reference };
    if (!outcome || outcome.status === 'SUBMITTED') return { status: 202, body: { ...base, status: 'SUBMITTED' } };
    if (outcome.status === 'REJECTED') {
      const code = outcome.reason === 'insufficient_funds' ? 'insufficient_funds' : (outcome.reason ?? 'rejected');
      const problem = { type: `https://nostro.dev/problems/${code}`, title: 'Rejected by the ledger', status: 422, detail: `the ledger rejected the ${t.type}: ${outcome.reason}`, code };
      return { status: 422, body: problem };
    }
    const { accounts } = await this.ledger.balances(t.participantId, outcome.blockHeight ?? 0);
    const account = accounts.find((a) => a.currency === t.currency);
    const currency = asCurrency(t.currency);
    return {
      status: 201,
      body: { ...base, status: 'SETTLED', block: { height: outcome.blockHeight, hash: outcome.blockHash }, balance: account ? formatAmount(BigInt(account.balance), currency) : null },
    };
  }
}

function ledgerState(outcome: RequestOutcome | null): string {
  return outcome?.status === 'SETTLED' ? 'ready' : outcome?.status === 'REJECTED' ? `rejected: ${outcome.reason}` : 'pending';
}

function parseTransferAmount(amount: string, currency: ReturnType<typeof asCurrency>): bigint {
  try {
    const minor = parseAmount(amount, currency);
    if (minor > 0n) return minor;
  } catch (error) {
    throw new ProblemError(400, 'validation_failed', 'Validation failed', 'invalid amount', [{ path: 'amount', message: (error as Error).message }]);
  }
  throw new ProblemError(400, 'validation_failed', 'Validation failed', 'invalid amount', [{ path: 'amount', message: 'amount must be positive' }]);
}
