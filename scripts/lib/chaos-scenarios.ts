// The chaos scenarios whose fault comes from outside the cluster: a bank's slow webhook endpoint, requests signed
// with the wrong key, and a flood of invalid requests. Each is a Scenario ({ prepare, inject, recover, verify,
// cleanup }) as scripts/lib/chaos.ts runs them, while honest payments flow; `verify` returns the scenario's own
// problems. Each factory call makes a fresh scenario, which keeps its state between those steps.
import type * as Sdk from '@nostro/client';
import type * as Shared from '@nostro/shared-node';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { auditWebhooks, withDb, type ReceivedEvent } from './audit';
import { freshKey } from './keys';
import { fromDist } from './repo';
import { runningPid, type Service, type StackProfile } from './stack';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The bank SDK (libs/client), built. */
export const sdk = (): typeof Sdk => fromDist<typeof Sdk>('dist/libs/client/src/index.js', 'chaos');
const shared = (): typeof Shared => fromDist<typeof Shared>('dist/libs/shared-node/src/index.js', 'chaos');

/** Counts by key (answers, errors). */
export type Tally = Record<string, number>;
const bump = (counts: Tally, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};
const PARTIES = { debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };

/** How long each phase of a chaos run lasts, and how hard the hostile scenarios push (chaosTimings in chaos.ts). */
export interface ChaosTimings {
  rate: number;
  warmupMs: number;
  tailMs: number;
  killPauseMs: number;
  validatorDownMs: number;
  kafkaDownMs: number;
  slowWebhookMs: number;
  attackMs: number;
  attackRate: number;
  floodMs: number;
  floodRate: number;
  floodConcurrency: number;
}

/** A chaos bank: its id, key seed (base64url) and signed client. */
export interface ChaosBank {
  id: string;
  seed: string;
  client: Sdk.NostroClient;
}

export interface ChaosParties {
  baseUrl: string;
  admin: Sdk.NostroAdminClient;
  debtor: ChaosBank;
  creditor: ChaosBank;
}

export interface ChaosContext {
  profile: StackProfile;
  t: ChaosTimings;
  short: boolean;
  rate: number;
  svcs: Service[];
  parties: ChaosParties;
  /** Audit problems found before the first fault: not blamed on any scenario. */
  baseline: Set<string>;
}

/** A scenario's own verdict, beside the audit. */
export interface ScenarioVerdict {
  problems: string[];
  checks: Record<string, unknown>;
  summary: string;
}

export interface Scenario {
  prepare?(ctx: ChaosContext): Promise<void>;
  inject(ctx: ChaosContext): Promise<void>;
  recover(ctx: ChaosContext): Promise<unknown>;
  verify?(ctx: ChaosContext, uetrs: string[]): Promise<ScenarioVerdict>;
  cleanup?(ctx: ChaosContext): Promise<void>;
}

/** A value a scenario's `prepare` set, for the steps after it. */
function prepared<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`chaos: ${what} is missing (prepare did not run)`);
  return value;
}

/** Calls `send(i)` about `perSecond` times a second for `durationMs`, never more than `concurrency` at once. */
async function atRate(
  { durationMs, perSecond, concurrency }: { durationMs: number; perSecond: number; concurrency: number },
  send: (i: number) => Promise<void>,
): Promise<{ sent: number; seconds: number }> {
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  while (Date.now() - started < durationMs) {
    while (n < ((Date.now() - started) / 1000) * perSecond && inFlight.size < concurrency) {
      const p: Promise<void> = send(n++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  return { sent: n, seconds: (Date.now() - started) / 1000 };
}

// ───────────────────────────── slow-webhook ─────────────────────────────

/** Longer than the gateway's default WEBHOOK_TIMEOUT_MS (5 s), so the gateway gives up on these and retries. */
const WEBHOOK_HANG_MS = 7_000;
const WEBHOOK_DRAIN_TIMEOUT_MS = 180_000;

interface ReceiverStats {
  requests: number;
  slow: number;
  trickled: number;
  held: number;
  immediate: number;
  abortedByGateway: number;
  badSignatures: number;
  proofsVerified: number;
  badProofs: number;
}

export interface WebhookReceiver {
  url: string;
  received: Map<string, ReceivedEvent & { deliveries: number }>;
  stats: ReceiverStats;
  problems: string[];
  fast(): void;
  close(): Promise<void>;
}

/**
 * A bank's webhook endpoint on 127.0.0.1. Every request is checked with the SDK's verifier (and a
 * `payment.received` proof with its finality verifier) before anything else. While slow it answers like a
 * congested link: half after 2-5 s, a quarter trickling its body over 5 s, a quarter not before the gateway has
 * given up; `fast()` answers the slow and trickling ones it holds, and everything after, at once.
 */
export async function startWebhookReceiver({ keys, hangMs = WEBHOOK_HANG_MS }: { keys: Sdk.NetworkKeys; hangMs?: number }): Promise<WebhookReceiver> {
  const { verifyWebhook, verifyPaymentFinality } = sdk();
  const received: WebhookReceiver['received'] = new Map();
  const stats: ReceiverStats = {
    requests: 0,
    slow: 0,
    trickled: 0,
    held: 0,
    immediate: 0,
    abortedByGateway: 0,
    badSignatures: 0,
    proofsVerified: 0,
    badProofs: 0,
  };
  const problems: string[] = [];
  const held = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let slow = true;
  let port = 0;

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
    timers.add(timer);
  };
  const hold = (res: http.ServerResponse, ms: number, kind: 'slow' | 'trickled' | 'held', answer: () => void, { releasable = true } = {}): void => {
    stats[kind] += 1;
    const release = (): void => {
      held.delete(release);
      if (!(res.destroyed || res.headersSent)) answer();
    };
    if (releasable) held.add(release);
    later(ms, release);
  };
  const trickle = (res: http.ServerResponse, left = 8): void => {
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain' });
    if (left === 0) return void res.end();
    res.write('.');
    later(500, () => trickle(res, left - 1));
  };
  const record = (event: Sdk.WebhookEvent): void => {
    const known = received.get(event.id);
    if (known) return void (known.deliveries += 1);
    const uetr = event.data?.payment?.uetr ?? null;
    if (event.type === 'payment.received') {
      const verdict =
        event.data.finality && uetr !== null ? verifyPaymentFinality(uetr, event.data.finality, keys) : { ok: false as const, reason: 'no finality proof' };
      if (verdict.ok) {
        stats.proofsVerified += 1;
      } else {
        stats.badProofs += 1;
        problems.push(`payment.received ${event.id} of ${uetr}: ${verdict.reason}`);
      }
    }
    received.set(event.id, { type: event.type, uetr, deliveries: 1 });
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> => {
    stats.requests += 1;
    res.on('close', () => (res.writableFinished ? undefined : (stats.abortedByGateway += 1)));
    const verdict = await verifyWebhook(
      { method: req.method ?? 'POST', url: `http://127.0.0.1:${port}${req.url}`, headers: req.headers, body },
      { networkPublicKey: keys.network.publicKey },
    );
    if (!verdict.ok) {
      stats.badSignatures += 1;
      problems.push(`webhook ${req.headers['webhook-id']}: ${verdict.code} (${verdict.detail})`);
      return void res.writeHead(401).end();
    }
    record(verdict.event);
    if (!slow) return void ((stats.immediate += 1), res.writeHead(204).end());
    const roll = Math.random();
    if (roll < 0.5) hold(res, 2_000 + Math.random() * 3_000, 'slow', () => res.writeHead(204).end());
    else if (roll < 0.75) hold(res, 1_000, 'trickled', () => trickle(res));
    // Lost in the network: not answered before the gateway's timeout even if the receiver turns fast meanwhile.
    else hold(res, hangMs, 'held', () => res.writeHead(204).end(), { releasable: false });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    stats,
    problems,
    fast: () => {
      slow = false;
      [...held].forEach((release) => release());
    },
    close: () =>
      new Promise((resolve) => {
        timers.forEach(clearTimeout);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function setWebhookUrls({ admin, debtor, creditor }: ChaosParties, baseUrl: string | null): Promise<void> {
  for (const bank of [debtor, creditor]) await admin.updateParticipant(bank.id, { webhookUrl: baseUrl ? `${baseUrl}/${bank.id}` : null });
}

/** Waits until no webhook of these payments is pending; returns how many are not delivered. */
async function waitWebhooksDelivered(profile: StackProfile, uetrs: string[]): Promise<number> {
  const deadline = Date.now() + WEBHOOK_DRAIN_TIMEOUT_MS;
  for (;;) {
    const open = await withDb(`${profile.dbPrefix}_gateway`, async (db) => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE uetr = ANY($1::uuid[]) AND status <> 'delivered'`,
        [uetrs],
      );
      return rows[0].n;
    });
    if (open === 0 || Date.now() > deadline) return open;
    await sleep(500);
  }
}

export function slowWebhook(): Scenario {
  let receiver: WebhookReceiver | undefined;
  let fastAt = 0;
  return {
    /** Both banks' webhooks go to the slow receiver before any payment of the scenario exists. */
    async prepare(ctx) {
      const keys = await ctx.parties.debtor.client.getKeys();
      receiver = await startWebhookReceiver({ keys });
      await setWebhookUrls(ctx.parties, receiver.url);
    },
    inject: (ctx) => sleep(ctx.t.slowWebhookMs),
    recover: async () => {
      fastAt = Date.now();
      prepared(receiver, 'the webhook receiver').fast();
    },
    async verify(ctx, uetrs) {
      const r = prepared(receiver, 'the webhook receiver');
      await waitWebhooksDelivered(ctx.profile, uetrs);
      const drainSeconds = Number(((Date.now() - fastAt) / 1000).toFixed(1));
      const report = await auditWebhooks(ctx.profile.dbPrefix, { uetrs, received: r.received });
      const st = r.stats;
      const checks = { ...report, drainSeconds, receiver: { ...st, distinctEvents: r.received.size } };
      const summary =
        `webhooks: ${report.rows} rows, ${report.delivered} delivered, ${report.seen} received (${st.requests} requests: ${st.slow} slow, ${st.trickled} trickled, ` +
        `${st.held} held past the timeout, ${st.abortedByGateway} cut off by the gateway), ${report.attempts} attempts, ${st.badSignatures} bad signatures, ${st.proofsVerified} proofs verified, drained ${drainSeconds} s after fast`;
      return { problems: [...r.problems, ...report.problems], checks, summary };
    },
    async cleanup(ctx) {
      await setWebhookUrls(ctx.parties, null);
      await receiver?.close();
    },
  };
}

// ───────────────────────────── wrong-key ─────────────────────────────

/** An amount the honest flow never sends, so a quote created by a forged request would stand out. */
const ATTACK_SEND_AMOUNT = '913.17';

interface Attacker {
  name: string;
  expect: string;
  client: Sdk.NostroClient;
}

/** What the wrong-key scenario set up: its forgers, the real quotes they target, and their answers. */
interface WrongKeySetup {
  tag: string;
  startedAt: Date;
  attackers: Attacker[];
  victimQuotes: string[];
  answers: Record<string, Tally>;
}

/** Three forgers of the debtor: another key under its key id, a key id nobody registered, and a revoked key. */
async function prepareWrongKey(parties: ChaosParties): Promise<WrongKeySetup> {
  const { NostroClient } = sdk();
  const { baseUrl, admin, debtor, creditor } = parties;
  const tag = `WK${Date.now().toString(36).toUpperCase()}`;
  const startedAt = new Date();
  const revoked = freshKey();
  const revokedKeyId = `${debtor.id}-revoked-${tag}`;
  await admin.addKey(debtor.id, { keyId: revokedKeyId, publicKey: revoked.publicKey });
  await admin.revokeKey(debtor.id, revokedKeyId);
  const attackers: Attacker[] = [
    { name: 'another key', expect: '401 signature_invalid', client: new NostroClient({ baseUrl, participantId: debtor.id, seed: freshKey().seed }) },
    {
      name: 'unknown key id',
      expect: '401 key_unknown',
      client: new NostroClient({ baseUrl, participantId: debtor.id, keyId: `${debtor.id}-unknown-${tag}`, seed: freshKey().seed }),
    },
    {
      name: 'revoked key',
      expect: '401 key_unknown',
      client: new NostroClient({ baseUrl, participantId: debtor.id, keyId: revokedKeyId, seed: revoked.seed }),
    },
  ];
  // Real, unused quotes of the debtor: a forged payment that got through would consume one.
  const quote = (amount: string): Promise<Sdk.Quote> =>
    debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: amount, creditorParticipant: creditor.id });
  const victimQuotes = (await Promise.all(['2.00', '3.00', '4.00'].map(quote))).map((q) => q.id);
  return { tag, startedAt, attackers, victimQuotes, answers: Object.fromEntries(attackers.map((a) => [a.name, {}])) };
}

/** `401 signature_invalid`, `no answer NostroNetworkError`, …: how a forged request was answered. */
function answerOf(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; code?: unknown; name?: unknown };
  return `${e.status ?? 'no answer'} ${e.code ?? e.name}`;
}

export function wrongKey(): Scenario {
  let setup: WrongKeySetup | undefined;
  let run: { sent: number; seconds: number } | undefined;
  return {
    async prepare(ctx) {
      setup = await prepareWrongKey(ctx.parties);
    },
    async inject(ctx) {
      const s = prepared(setup, 'the wrong-key setup');
      const { creditor } = ctx.parties;
      const ops: ((a: Attacker, i: number) => Promise<unknown>)[] = [
        (a) => a.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: ATTACK_SEND_AMOUNT, creditorParticipant: creditor.id }),
        (a, i) =>
          a.client.createPayment(
            { quoteId: s.victimQuotes[i % s.victimQuotes.length], endToEndId: `${s.tag}-${i}`, ...PARTIES },
            { idempotencyKey: `wrongkey-${s.tag}-${i}`, retries: 0 },
          ),
        (a) => a.client.getAccounts(),
        (a) => a.client.listPayments({ limit: 1 }),
      ];
      run = await atRate({ durationMs: ctx.t.attackMs, perSecond: ctx.t.attackRate, concurrency: 16 }, async (i) => {
        const attacker = s.attackers[i % s.attackers.length];
        let answer = 'accepted';
        try {
          await ops[Math.floor(i / s.attackers.length) % ops.length](attacker, i);
        } catch (error) {
          answer = answerOf(error);
        }
        bump(s.answers[attacker.name], answer);
      });
    },
    recover: async () => undefined,
    async verify(ctx) {
      const s = prepared(setup, 'the wrong-key setup');
      const sent = prepared(run, 'the wrong-key run').sent;
      const problems: string[] = [];
      for (const a of s.attackers) {
        for (const [answer, n] of Object.entries(s.answers[a.name]))
          if (answer !== a.expect) problems.push(`${a.name}: ${n} answers ${answer}, expected ${a.expect}`);
      }
      const created = await forgedLeftovers(ctx, s);
      for (const [what, n] of Object.entries(created)) if (n > 0) problems.push(`forged requests created ${n} ${what}`);
      const byAnswer: Tally = {};
      for (const answers of Object.values(s.answers)) for (const [answer, n] of Object.entries(answers)) bump(byAnswer, answer, n);
      const summary = `${sent} forged requests: ${Object.entries(byAnswer)
        .map(([answer, n]) => `${answer} ×${n}`)
        .join(', ')}; created ${Object.values(created).reduce((x, y) => x + y, 0)} rows`;
      return { problems, checks: { requests: sent, answers: s.answers, created }, summary };
    },
  };
}

/** What a forged request could have left behind: payments, idempotency records, quotes, a consumed quote. */
async function forgedLeftovers(ctx: ChaosContext, s: WrongKeySetup): Promise<Tally> {
  const { profile, parties } = ctx;
  const count = async (db: Client, sql: string, values: unknown[]): Promise<number> => (await db.query<{ n: number }>(sql, values)).rows[0].n;
  const gateway = await withDb(`${profile.dbPrefix}_gateway`, async (db) => ({
    payments: await count(db, 'SELECT count(*)::int AS n FROM payments WHERE end_to_end_id LIKE $1', [`${s.tag}-%`]),
    'idempotency keys': await count(db, 'SELECT count(*)::int AS n FROM idempotency_keys WHERE idempotency_key LIKE $1', [`wrongkey-${s.tag}-%`]),
  }));
  const fx = await withDb(`${profile.dbPrefix}_fx`, async (db) => ({
    quotes: await count(
      db,
      `SELECT count(*)::int AS n FROM quotes q JOIN quote_documents d ON d.id = q.id WHERE q.participant = $1 AND d.quote ->> 'sendAmount' = $2 AND q.created_at >= $3`,
      [parties.debtor.id, ATTACK_SEND_AMOUNT, s.startedAt],
    ),
    'consumed quotes': await count(db, 'SELECT count(*)::int AS n FROM quotes WHERE id = ANY($1::text[]) AND used_by IS NOT NULL', [s.victimQuotes]),
  }));
  return { ...gateway, ...fx };
}

// ───────────────────────────── invalid-flood ─────────────────────────────

const ONE_MIB = 1024 * 1024;
/** One request in this many is over the 1 MiB body limit: enough to exercise it without saturating loopback. */
const OVERSIZED_EVERY = 40;
const READY_AFTER_FLOOD_MS = 15_000;

interface InvalidRequest {
  kind: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The invalid requests, signed by the debtor where a signature is needed to reach the check being exercised.
 * Signatures carry no nonce, so each can be sent many times within the 300 s window (the gateway allows that;
 * Idempotency-Key protects money-moving repeats), which keeps the flood's own CPU cost low.
 */
function invalidRequests({ baseUrl, debtor, creditor }: ChaosParties): (i: number) => InvalidRequest {
  const { signRequest } = shared();
  const seed = Buffer.from(debtor.seed, 'base64url');
  const json = { 'content-type': 'application/json' };
  const signed = (kind: string, path: string, body: string, headers: Record<string, string> = json): InvalidRequest => {
    const signature: Record<string, string> = { ...signRequest({ method: 'POST', url: `${baseUrl}${path}`, headers, body, keyId: debtor.id, seed }) };
    return { kind, path, body, headers: { ...headers, ...signature } };
  };
  const quote = (fields: Record<string, unknown>): string =>
    JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id, ...fields });
  const payment = (fields: Record<string, unknown>): string => JSON.stringify({ quoteId: 'q_chaos', endToEndId: 'FLOOD', ...PARTIES, ...fields });
  const normal: InvalidRequest[] = [
    signed('malformed JSON', '/v1/quotes', '{"sourceCurrency":'),
    signed('malformed JSON', '/v1/payments', '{bad json}', { ...json, 'idempotency-key': crypto.randomUUID() }),
    signed('malformed JSON', '/v1/quotes', '[]'),
    signed('wrong content type', '/v1/quotes', quote({}), { 'content-type': 'text/plain' }),
    signed('wrong content type', '/v1/quotes', '<quote/>', { 'content-type': 'application/xml' }),
    signed('wrong content type', '/v1/quotes', 'sendAmount=1.00', { 'content-type': 'application/x-www-form-urlencoded' }),
    signed('unknown field', '/v1/quotes', quote({ rate: '1.2' })),
    signed('unknown field', '/v1/payments', payment({ debtor: { name: 'A', account: '1', bic: 'X' } }), { ...json, 'idempotency-key': crypto.randomUUID() }),
    signed('bad amount', '/v1/quotes', quote({ sendAmount: '1.001' })),
    signed('bad amount', '/v1/quotes', quote({ sendAmount: '-1.00' })),
    signed('bad amount', '/v1/quotes', quote({ sendAmount: 1 })),
    signed('bad amount', '/v1/quotes', quote({ sendAmount: '1e3' })),
    signed('bad currency', '/v1/quotes', quote({ sourceCurrency: 'usd' })),
    signed('bad currency', '/v1/quotes', quote({ targetCurrency: 'XYZ' })),
    { kind: 'unsigned', path: '/v1/quotes', body: quote({}), headers: json },
    { kind: 'unsigned', path: '/v1/payments', body: payment({}), headers: { ...json, 'idempotency-key': crypto.randomUUID() } },
    {
      kind: 'garbage signature',
      path: '/v1/quotes',
      body: quote({}),
      headers: { ...json, 'signature-input': 'sig1=("@method");keyid="x"', signature: 'sig1=:AAAA:' },
    },
  ];
  const big = JSON.stringify({ payments: [], pad: 'x'.repeat(ONE_MIB + 1024) });
  const oversized: InvalidRequest[] = [
    signed('over 1 MiB', '/v1/payments/batch', big, { ...json, 'idempotency-key': crypto.randomUUID() }),
    { kind: 'over 1 MiB', path: '/v1/quotes/batch', body: big, headers: json },
  ];
  return (i) => (i % OVERSIZED_EVERY === 0 ? oversized[(i / OVERSIZED_EVERY) % oversized.length] : normal[i % normal.length]);
}

interface FloodTally {
  byAnswer: Tally;
  unexpected: Tally;
}

/** The `code` of an RFC 9457 problem document, or 'no code'. */
function problemCode(text: string): string {
  try {
    const code: unknown = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : 'no code';
  } catch {
    return 'no code'; // not JSON: counted by the caller as not a problem document
  }
}

/** Sends one invalid request; every answer must be a 4xx RFC 9457 problem. */
async function sendInvalid(baseUrl: string, request: InvalidRequest, tally: FloodTally): Promise<void> {
  let answer: string;
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(30_000),
    });
    answer = `${response.status} ${problemCode(await response.text())}`;
    if (response.status < 400 || response.status >= 500) bump(tally.unexpected, `${request.kind}: ${answer}`);
    if (!(response.headers.get('content-type') ?? '').includes('application/problem+json'))
      bump(tally.unexpected, `${request.kind}: ${response.status} without application/problem+json`);
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    answer = `no answer (${cause?.code ?? (error instanceof Error ? error.name : String(error))})`;
    bump(tally.unexpected, `${request.kind}: ${answer}`);
  }
  bump(tally.byAnswer, answer);
}

const servicePids = ({ profile, svcs }: ChaosContext): Record<string, number | null> =>
  Object.fromEntries(svcs.map((svc) => [svc.name, runningPid(profile, svc)]));

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

/** The services not ready `READY_AFTER_FLOOD_MS` after the flood (each is polled until then). */
async function notReadyAfter(svcs: readonly Service[]): Promise<string[]> {
  const deadline = Date.now() + READY_AFTER_FLOOD_MS;
  let pending = svcs;
  while (pending.length > 0 && Date.now() < deadline) {
    const states = await Promise.all(pending.map((svc) => ready(svc.port)));
    pending = pending.filter((_, i) => !states[i]);
    if (pending.length > 0) await sleep(500);
  }
  return pending.map((svc) => svc.name);
}

/** The flood's verdict from what it counted and how the services fared. */
function floodVerdict(
  ctx: ChaosContext,
  tally: FloodTally,
  run: { sent: number; seconds: number },
  pidsBefore: Record<string, number | null>,
  pidsAfter: Record<string, number | null>,
  notReady: string[],
): ScenarioVerdict {
  const problems = Object.entries(tally.unexpected).map(([what, n]) => `${n} × ${what}`);
  for (const [name, pid] of Object.entries(pidsBefore))
    if (pidsAfter[name] !== pid) problems.push(`${name}: pid ${pid} before the flood, ${pidsAfter[name] ?? 'none'} after`);
  for (const name of notReady) problems.push(`${name}: /health/ready not 200 within ${READY_AFTER_FLOOD_MS / 1000} s after the flood`);
  const perSecond = Math.round(run.sent / run.seconds);
  const byStatus: Tally = {};
  for (const [answer, n] of Object.entries(tally.byAnswer)) bump(byStatus, answer.split(' ')[0], n);
  const unexpected = Object.values(tally.unexpected).reduce((x, y) => x + y, 0);
  const summary =
    `${run.sent} invalid requests (${perSecond}/s answered of ${ctx.t.floodRate}/s offered): ${Object.entries(byStatus)
      .map(([status, n]) => `${status} ×${n}`)
      .join(', ')}; ` +
    `${unexpected} not 4xx problem+json; ${problems.length - Object.keys(tally.unexpected).length === 0 ? 'same pids, all ready' : 'services disturbed'}`;
  return {
    problems,
    checks: { requests: run.sent, perSecond, byStatus, byAnswer: tally.byAnswer, unexpected: tally.unexpected, pids: pidsAfter, notReady },
    summary,
  };
}

export function invalidFlood(): Scenario {
  const tally: FloodTally = { byAnswer: {}, unexpected: {} };
  let pidsBefore: Record<string, number | null> = {};
  let pidsAfter: Record<string, number | null> = {};
  let notReady: string[] = [];
  let next: ((i: number) => InvalidRequest) | undefined;
  let run: { sent: number; seconds: number } | undefined;
  return {
    async prepare(ctx) {
      pidsBefore = servicePids(ctx);
      next = invalidRequests(ctx.parties);
    },
    async inject(ctx) {
      const request = prepared(next, 'the invalid requests');
      const { t, parties } = ctx;
      run = await atRate({ durationMs: t.floodMs, perSecond: t.floodRate, concurrency: t.floodConcurrency }, (i) =>
        sendInvalid(parties.baseUrl, request(i), tally),
      );
    },
    async recover(ctx) {
      notReady = await notReadyAfter(ctx.svcs);
      pidsAfter = servicePids(ctx);
    },
    async verify(ctx) {
      return floodVerdict(ctx, tally, prepared(run, 'the flood'), pidsBefore, pidsAfter, notReady);
    },
  };
}
