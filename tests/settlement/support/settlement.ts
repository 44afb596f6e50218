import {
  FinalityMessage,
  LimitsSetMessage,
  ParticipantConfigMessage,
  PaymentDecisionMessage,
  PaymentIntentMessage,
  SettlementEvent,
  SignedQuote,
  TransferRequestMessage,
  asCurrency,
  formatAmount,
  UnsignedQuote,
  signQuote,
  signQuotes,
} from '@nostro/shared-node';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { cluster, eventually, withDb } from '../../support/cluster';
import { controlService, type ServiceCommand } from './service-control';

export type Row = Record<string, unknown>;

// ---------------------------------------------------------------- processes of the test cluster

/** Stops, kills or (re)starts a test-cluster service with optional environment overrides; waits for readiness on start. */
export async function serviceControl(
  command: ServiceCommand,
  service: string,
  env: Record<string, string> = {},
  opts: { waitReady?: boolean } = {},
): Promise<void> {
  const { port } = await controlService(command, service, env);
  if ((command === 'start' || command === 'restart') && opts.waitReady !== false) await waitReady(port);
}

export async function waitReady(port: number, timeoutMs = 60_000): Promise<void> {
  const ok = await eventually(
    () =>
      fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      ),
    (ready) => ready,
    timeoutMs,
  );
  if (!ok) throw new Error(`service on :${port} not ready after ${timeoutMs} ms`);
}

export const settlementUrl = (): string => `http://127.0.0.1:${cluster().ports.settlement}`;

/** Settlement's Prometheus text. */
export interface ReconciliationReport {
  id: string;
  scope: string;
  checkedLocal: number;
  checkedRemote: number;
  remoteComplete: boolean;
  differences: { kind: string; id: string; detail: string }[];
}

/** Settlement compares a payment with the validators once its final entry is this old (reconciliation.service.ts). */
export const RECONCILE_SETTLE_LAG_MS = 2_000;

/** Resolves once the clock is past `at` (milliseconds since the epoch). */
export const untilPast = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** A reconciliation run now; while the service's own scheduled run holds the lock (409 reconciliation_in_progress), again. */
export async function reconcile(scope: 'full' | 'incremental' = 'full'): Promise<ReconciliationReport> {
  const response = await eventually(
    async () => {
      const r = await fetch(`${settlementUrl()}/v1/settlement/reconciliation/runs?scope=${scope}`, { method: 'POST' });
      if (r.status === 409) await r.arrayBuffer(); // read, so that the connection is reused
      return r;
    },
    (r) => r.status !== 409,
    60_000,
    500,
  );
  if (response.status !== 200) throw new Error(`reconciliation run answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ReconciliationReport;
}

export async function settlementMetrics(): Promise<string> {
  return (await fetch(`${settlementUrl()}/metrics`)).text();
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series.split('{')[0] !== name) continue;
    if (want.every((w) => series.includes(w))) return Number(value);
  }
  return Number.NaN;
}

// ---------------------------------------------------------------- Kafka

let producer: Producer | null = null;

export async function kafkaProducer(): Promise<Producer> {
  if (producer) return producer;
  const p = new Kafka({ clientId: 'settlement-tests', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).producer();
  await p.connect();
  producer = p;
  return p;
}

export async function closeKafka(): Promise<void> {
  await producer?.disconnect();
  producer = null;
}

export const topic = (suffix: string): string => `${cluster().topicPrefix}${suffix}`;

type Request = PaymentIntentMessage | TransferRequestMessage | ParticipantConfigMessage | LimitsSetMessage | PaymentDecisionMessage;

/** Produces settlement requests directly to the test cluster's topic, as the gateway's outbox would. */
export async function produceRequests(messages: readonly Request[], key?: string): Promise<void> {
  const p = await kafkaProducer();
  await p.send({
    topic: topic('settlement.requests'),
    acks: -1,
    messages: messages.map((m) => ({ key: key ?? ('participant' in m ? m.participant : m.uetr), value: JSON.stringify(m) })),
  });
}

/** Every message of a topic from the beginning whose JSON satisfies `keep`, read until `done` or the timeout. */
export async function readTopic<T>(suffix: string, keep: (value: T) => boolean, done: (seen: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
  const kafka = new Kafka({ clientId: 'settlement-tests-reader', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `settlement-tests-${randomUUID()}` });
  const seen: T[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topic(suffix), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value?.toString('utf8') ?? 'null') as T;
        if (value !== null && keep(value)) seen.push(value);
      },
    });
    await eventually(
      async () => seen.length,
      () => done(seen),
      timeoutMs,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

/** settlement.events about these payments or requests, read until `done`. */
export function settlementEvents(ids: readonly string[], done: (events: SettlementEvent[]) => boolean, timeoutMs?: number): Promise<SettlementEvent[]> {
  const set = new Set(ids);
  return readTopic<SettlementEvent>('settlement.events', (e) => set.has(e.kind === 'request.status' ? e.requestId : e.uetr), done, timeoutMs);
}

export function finalityRecords(done: (records: FinalityMessage[]) => boolean, timeoutMs?: number): Promise<FinalityMessage[]> {
  return readTopic<FinalityMessage>('ledger.finality', () => true, done, timeoutMs);
}

// ---------------------------------------------------------------- quotes and intents signed like fx-quote's

function fxSeed(): Buffer {
  return Buffer.from(fs.readFileSync(cluster().keys.fx.file, 'utf8').trim(), 'base64url');
}

export interface QuoteSpec {
  debtor: string;
  creditor: string;
  source?: string;
  target?: string;
  /** Minor units of the source currency sent (the FX desk receives it). */
  sendMinor: bigint;
  /** Minor units of the target currency the creditor receives. */
  receiveMinor?: bigint;
  feeMinor?: bigint;
  ttlMs?: number;
  createdAt?: number;
}

/** A quote signed with the test cluster's fx key, exactly as fx-quote would sign it. */
export function makeQuote(spec: QuoteSpec): SignedQuote {
  return signQuote(unsignedQuote(spec), fxSeed());
}

/** Quotes signed together with the test cluster's fx key (one signature over their Merkle root), as fx-quote does. */
export function makeQuotes(specs: readonly QuoteSpec[]): SignedQuote[] {
  return signQuotes(specs.map(unsignedQuote), fxSeed());
}

function unsignedQuote(spec: QuoteSpec): UnsignedQuote {
  const source = asCurrency(spec.source ?? 'USD');
  const target = asCurrency(spec.target ?? 'EUR');
  const receiveMinor = spec.receiveMinor ?? (spec.sendMinor * 9n) / 10n;
  const feeMinor = spec.feeMinor ?? 0n;
  const createdAt = spec.createdAt ?? Date.now();
  return {
    id: `q_test_${randomUUID()}`,
    participant: spec.debtor,
    creditorParticipant: spec.creditor,
    sourceCurrency: source,
    targetCurrency: target,
    midRate: '0.9',
    rate: '0.9',
    markupBps: '0',
    sendAmount: formatAmount(spec.sendMinor, source),
    receiveAmount: formatAmount(receiveMinor, target),
    fees: feeMinor > 0n ? [{ type: 'fixed', amount: formatAmount(feeMinor, source), currency: source }] : [],
    totalDebit: formatAmount(spec.sendMinor + feeMinor, source),
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: new Date(createdAt + (spec.ttlMs ?? 30_000)).toISOString(),
  };
}

export function intentFor(quote: SignedQuote, over: Partial<PaymentIntentMessage> = {}): PaymentIntentMessage {
  return { kind: 'payment.intent', id: randomUUID(), uetr: randomUUID(), participant: quote.participant, quote, acceptedAt: Date.now(), ...over };
}

// ---------------------------------------------------------------- settlement's database

export interface PaymentState {
  status: string;
  reason: string | null;
  blockHeight: number | null;
  /** A HELD payment's hold deadline (settlement's clock). */
  heldUntil: Date | null;
  events: { status: string; reason: string | null; cause: string }[];
}

export async function paymentState(uetr: string): Promise<PaymentState | null> {
  return withDb('settlement', async (db) => {
    const { rows } = await db.query<{ status: string; reason: string | null; block_height: string | null; held_until: Date | null }>(
      'SELECT status, reason, block_height::text, held_until FROM payments WHERE uetr = $1',
      [uetr],
    );
    if (!rows[0]) return null;
    const events = await db.query<{ status: string; reason: string | null; cause: string }>(
      'SELECT status, reason, cause FROM payment_events WHERE uetr = $1 ORDER BY id',
      [uetr],
    );
    return {
      status: rows[0].status,
      reason: rows[0].reason,
      blockHeight: rows[0].block_height === null ? null : Number(rows[0].block_height),
      heldUntil: rows[0].held_until,
      events: events.rows,
    };
  });
}

const FINAL = new Set(['SETTLED', 'REJECTED']);

/** Waits until settlement holds the payment in `status` (default: any final status). */
export async function waitStatus(uetr: string, status?: string, timeoutMs = 30_000): Promise<PaymentState | null> {
  return eventually(
    () => paymentState(uetr),
    (s) => s !== null && (status ? s.status === status : FINAL.has(s.status)),
    timeoutMs,
  );
}

const LEDGER_DBS = ['ledger_0', 'ledger_1', 'ledger_2'];

const highestBlock = (db: string, table: 'blocks' | 'finalized_blocks'): Promise<number> =>
  withDb(db, async (c) => Number((await c.query<{ h: string }>(`SELECT coalesce(max(height), 0)::text AS h FROM ${table}`)).rows[0].h));

/**
 * Waits until every validator has applied every block settlement already holds as final. Two signatures of three
 * make a block final, so when settlement reports a payment final the third validator may still be applying its block:
 * a read of every validator's tables right then would see that validator a block behind, which is no defect.
 */
export async function ledgersCaughtUp(timeoutMs = 30_000): Promise<number[]> {
  const final = await highestBlock('settlement', 'finalized_blocks');
  return eventually(
    () => Promise.all(LEDGER_DBS.map((db) => highestBlock(db, 'blocks'))),
    (heights) => heights.every((h) => h >= final),
    timeoutMs,
  );
}

/**
 * How many times each validator recorded a transaction id in a block (a duplicate is never recorded), read once every
 * validator has applied what settlement holds as final.
 */
export async function ledgerCopies(txId: string): Promise<number[]> {
  await ledgersCaughtUp();
  return Promise.all(
    LEDGER_DBS.map((db) =>
      withDb(db, async (c) => Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM block_transactions WHERE tx_id = $1', [txId])).rows[0].n)),
    ),
  );
}

/** A participant's balance (minor units) on validator v0, read once every validator has applied what is final. */
export async function balance(account: string): Promise<bigint> {
  await ledgersCaughtUp();
  return withDb('ledger_0', async (c) =>
    BigInt((await c.query<{ b: string }>('SELECT balance::text AS b FROM accounts WHERE id = $1', [account])).rows[0]?.b ?? '0'),
  );
}

// ---------------------------------------------------------------- operators

/** A new operator token with this role (created through the admin API). */
export async function operatorToken(
  role: 'viewer' | 'approver' | 'admin',
  name = `${role}-${randomUUID().slice(0, 8)}`,
): Promise<{ id: string; token: string }> {
  const created = await approvedCall(await adminCall(cluster().adminToken, 'POST', '/v1/admin/operators', { name, role }));
  if (created.status !== 201) throw new Error(`operator creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { id: string; token: string };
}

/** An operator call to the gateway; returns status and parsed body. */
export async function adminCall(
  token: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Row }> {
  const response = await fetch(`${cluster().gatewayUrl}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Row) : {} };
}

export function decide(token: string, uetr: string, decision: 'approve' | 'reject', key = randomUUID(), comment?: string) {
  return adminCall(token, 'POST', `/v1/admin/payments/${uetr}/decisions`, { decision, ...(comment ? { comment } : {}) }, { 'idempotency-key': key });
}

export async function setLimits(participant: string, limits: { currency: string; netDebitCap: string; holdAbove: string | null }) {
  return approvedCall(await adminCall(cluster().adminToken, 'PUT', `/v1/admin/participants/${participant}/limits`, limits));
}

/**
 * An operator call's answer once it has taken effect: with DUAL_CONTROL=on the call was held (202 PENDING_APPROVAL),
 * so the cluster's second admin approves it and the approval's answer (the call's own) is returned.
 */
export async function approvedCall(answer: { status: number; body: Row }): Promise<{ status: number; body: Row }> {
  if (answer.status !== 202 || answer.body.status !== 'PENDING_APPROVAL') return answer;
  const second = cluster().secondAdminToken;
  if (!second) throw new Error('a call was held for a second admin, but the test cluster has none (DUAL_CONTROL=on writes one)');
  return adminCall(second, 'POST', `/v1/admin/requests/${String(answer.body.requestId)}/approve`, {});
}
