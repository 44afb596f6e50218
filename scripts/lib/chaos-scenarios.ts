// The chaos scenarios whose fault comes from outside the cluster: a bank's slow webhook endpoint, requests signed
// with the wrong key, and a flood of invalid requests. Each is { prepare, inject, recover, verify, cleanup } as
// scripts/lib/chaos.mjs runs them, while honest payments flow; `verify` returns the scenario's own problems.
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { auditWebhooks, withDb } from './audit.mjs';
import { REPO_ROOT } from './infra.mjs';
import { runningPid } from './stack.mjs';

const require = createRequire(import.meta.url);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The bank SDK (libs/client), built. */
export const sdk = () => require(path.join(REPO_ROOT, 'dist/libs/client/src/index.js'));
const shared = () => require(path.join(REPO_ROOT, 'dist/libs/shared/src/index.js'));

const bump = (counts, key, by = 1) => (counts[key] = (counts[key] ?? 0) + by);
const PARTIES = { debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };

/** Calls `send(i)` about `perSecond` times a second for `durationMs`, never more than `concurrency` at once. */
async function atRate({ durationMs, perSecond, concurrency }, send) {
  const started = Date.now();
  const inFlight = new Set();
  let n = 0;
  while (Date.now() - started < durationMs) {
    while (n < ((Date.now() - started) / 1000) * perSecond && inFlight.size < concurrency) {
      const p = send(n++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  return { sent: n, seconds: (Date.now() - started) / 1000 };
}

function freshKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { seed: privateKey.export({ format: 'jwk' }).d, publicKey: publicKey.export({ format: 'jwk' }).x };
}

// ───────────────────────────── slow-webhook ─────────────────────────────

/** Longer than the gateway's default WEBHOOK_TIMEOUT_MS (5 s), so the gateway gives up on these and retries. */
const WEBHOOK_HANG_MS = 7_000;
const WEBHOOK_DRAIN_TIMEOUT_MS = 180_000;

/**
 * A bank's webhook endpoint on 127.0.0.1. Every request is checked with the SDK's verifier (and a
 * `payment.received` proof with its finality verifier) before anything else. While slow it answers like a
 * congested link: half after 2-5 s, a quarter trickling its body over 5 s, a quarter not before the gateway has
 * given up; `fast()` answers the slow and trickling ones it holds, and everything after, at once.
 */
export async function startWebhookReceiver({ keys, hangMs = WEBHOOK_HANG_MS }) {
  const { verifyWebhook, verifyPaymentFinality } = sdk();
  const received = new Map();
  const stats = { requests: 0, slow: 0, trickled: 0, held: 0, immediate: 0, abortedByGateway: 0, badSignatures: 0, proofsVerified: 0, badProofs: 0 };
  const problems = [];
  const held = new Set();
  const timers = new Set();
  let slow = true;
  let port = 0;

  const later = (ms, fn) => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
    timers.add(timer);
  };
  const hold = (res, ms, kind, answer, { releasable = true } = {}) => {
    stats[kind] += 1;
    const release = () => (held.delete(release), res.destroyed || res.headersSent ? undefined : answer());
    if (releasable) held.add(release);
    later(ms, release);
  };
  const trickle = (res, left = 8) => {
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain' });
    if (left === 0) return void res.end();
    res.write('.');
    later(500, () => trickle(res, left - 1));
  };
  const record = (event) => {
    const known = received.get(event.id);
    if (known) return void (known.deliveries += 1);
    const uetr = event.data?.payment?.uetr ?? null;
    if (event.type === 'payment.received') {
      const verdict = event.data.finality ? verifyPaymentFinality(uetr, event.data.finality, keys) : { ok: false, reason: 'no finality proof' };
      if (verdict.ok) {
        stats.proofsVerified += 1;
      } else {
        stats.badProofs += 1;
        problems.push(`payment.received ${event.id} of ${uetr}: ${verdict.reason}`);
      }
    }
    received.set(event.id, { type: event.type, uetr, deliveries: 1 });
  };
  const handle = async (req, res, body) => {
    stats.requests += 1;
    res.on('close', () => (res.writableFinished ? undefined : (stats.abortedByGateway += 1)));
    const verdict = await verifyWebhook({ method: req.method, url: `http://127.0.0.1:${port}${req.url}`, headers: req.headers, body }, { networkPublicKey: keys.network.publicKey });
    if (!verdict.ok) {
      stats.badSignatures += 1;
      problems.push(`webhook ${req.headers['webhook-id']}: ${verdict.code} (${verdict.detail})`);
      return void res.writeHead(401).end();
    }
    record(verdict.event);
    if (!slow) return void (stats.immediate += 1, res.writeHead(204).end());
    const roll = Math.random();
    if (roll < 0.5) hold(res, 2_000 + Math.random() * 3_000, 'slow', () => res.writeHead(204).end());
    else if (roll < 0.75) hold(res, 1_000, 'trickled', () => trickle(res));
    // Lost in the network: not answered before the gateway's timeout even if the receiver turns fast meanwhile.
    else hold(res, hangMs, 'held', () => res.writeHead(204).end(), { releasable: false });
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    stats,
    problems,
    fast: () => ((slow = false), [...held].forEach((release) => release())),
    close: () =>
      new Promise((resolve) => {
        timers.forEach(clearTimeout);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function setWebhookUrls({ admin, debtor, creditor }, baseUrl) {
  for (const bank of [debtor, creditor]) await admin.updateParticipant(bank.id, { webhookUrl: baseUrl ? `${baseUrl}/${bank.id}` : null });
}

/** Waits until no webhook of these payments is pending; returns how many are not delivered. */
async function waitWebhooksDelivered(profile, uetrs) {
  const deadline = Date.now() + WEBHOOK_DRAIN_TIMEOUT_MS;
  for (;;) {
    const open = await withDb(`${profile.dbPrefix}_gateway`, async (db) => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE uetr = ANY($1::uuid[]) AND status <> 'delivered'`, [uetrs]);
      return rows[0].n;
    });
    if (open === 0 || Date.now() > deadline) return open;
    await sleep(500);
  }
}

export const slowWebhook = {
  /** Both banks' webhooks go to the slow receiver before any payment of the scenario exists. */
  async prepare(ctx, s) {
    const keys = await ctx.parties.debtor.client.getKeys();
    s.receiver = await startWebhookReceiver({ keys });
    await setWebhookUrls(ctx.parties, s.receiver.url);
  },
  inject: (ctx) => sleep(ctx.t.slowWebhookMs),
  recover: async (ctx, s) => ((s.fastAt = Date.now()), s.receiver.fast()),
  async verify(ctx, s, uetrs) {
    await waitWebhooksDelivered(ctx.profile, uetrs);
    const drainSeconds = Number(((Date.now() - s.fastAt) / 1000).toFixed(1));
    const report = await auditWebhooks(ctx.profile.dbPrefix, { uetrs, received: s.receiver.received });
    const st = s.receiver.stats;
    const checks = { ...report, drainSeconds, receiver: { ...st, distinctEvents: s.receiver.received.size } };
    const summary =
      `webhooks: ${report.rows} rows, ${report.delivered} delivered, ${report.seen} received (${st.requests} requests: ${st.slow} slow, ${st.trickled} trickled, ` +
      `${st.held} held past the timeout, ${st.abortedByGateway} cut off by the gateway), ${report.attempts} attempts, ${st.badSignatures} bad signatures, ${st.proofsVerified} proofs verified, drained ${drainSeconds} s after fast`;
    return { problems: [...s.receiver.problems, ...report.problems], checks, summary };
  },
  async cleanup(ctx, s) {
    await setWebhookUrls(ctx.parties, null);
    await s.receiver?.close();
  },
};

// ───────────────────────────── wrong-key ─────────────────────────────

/** An amount the honest flow never sends, so a quote created by a forged request would stand out. */
const ATTACK_SEND_AMOUNT = '913.17';

export const wrongKey = {
  /** Three forgers of the debtor: another key under its key id, a key id nobody registered, and a revoked key. */
  async prepare(ctx, s) {
    const { NostroClient } = sdk();
    const { baseUrl, admin, debtor, creditor } = ctx.parties;
    s.tag = `WK${Date.now().toString(36).toUpperCase()}`;
    s.startedAt = new Date();
    const revoked = freshKey();
    const revokedKeyId = `${debtor.id}-revoked-${s.tag}`;
    await admin.addKey(debtor.id, { keyId: revokedKeyId, publicKey: revoked.publicKey });
    await admin.revokeKey(debtor.id, revokedKeyId);
    s.attackers = [
      { name: 'another key', expect: '401 signature_invalid', client: new NostroClient({ baseUrl, participantId: debtor.id, seed: freshKey().seed }) },
      { name: 'unknown key id', expect: '401 key_unknown', client: new NostroClient({ baseUrl, participantId: debtor.id, keyId: `${debtor.id}-unknown-${s.tag}`, seed: freshKey().seed }) },
      { name: 'revoked key', expect: '401 key_unknown', client: new NostroClient({ baseUrl, participantId: debtor.id, keyId: revokedKeyId, seed: revoked.seed }) },
    ];
    // Real, unused quotes of the debtor: a forged payment that got through would consume one.
    const quote = (amount) => debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: amount, creditorParticipant: creditor.id });
    s.victimQuotes = (await Promise.all(['2.00', '3.00', '4.00'].map(quote))).map((q) => q.id);
    s.answers = Object.fromEntries(s.attackers.map((a) => [a.name, {}]));
  },
  async inject(ctx, s) {
    const { creditor } = ctx.parties;
    const ops = [
      (a) => a.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: ATTACK_SEND_AMOUNT, creditorParticipant: creditor.id }),
      (a, i) => a.client.createPayment({ quoteId: s.victimQuotes[i % s.victimQuotes.length], endToEndId: `${s.tag}-${i}`, ...PARTIES }, { idempotencyKey: `wrongkey-${s.tag}-${i}`, retries: 0 }),
      (a) => a.client.getAccounts(),
      (a) => a.client.listPayments({ limit: 1 }),
    ];
    s.run = await atRate({ durationMs: ctx.t.attackMs, perSecond: ctx.t.attackRate, concurrency: 16 }, async (i) => {
      const attacker = s.attackers[i % s.attackers.length];
      let answer = 'accepted';
      try {
        await ops[Math.floor(i / s.attackers.length) % ops.length](attacker, i);
      } catch (error) {
        answer = `${error.status ?? 'no answer'} ${error.code ?? error.name}`;
      }
      bump(s.answers[attacker.name], answer);
    });
  },
  recover: async () => undefined,
  async verify(ctx, s) {
    const problems = [];
    for (const a of s.attackers) {
      for (const [answer, n] of Object.entries(s.answers[a.name])) if (answer !== a.expect) problems.push(`${a.name}: ${n} answers ${answer}, expected ${a.expect}`);
    }
    const created = await forgedLeftovers(ctx, s);
    for (const [what, n] of Object.entries(created)) if (n > 0) problems.push(`forged requests created ${n} ${what}`);
    const byAnswer = {};
    for (const answers of Object.values(s.answers)) for (const [answer, n] of Object.entries(answers)) bump(byAnswer, answer, n);
    const summary = `${s.run.sent} forged requests: ${Object.entries(byAnswer).map(([answer, n]) => `${answer} ×${n}`).join(', ')}; created ${Object.values(created).reduce((x, y) => x + y, 0)} rows`;
    return { problems, checks: { requests: s.run.sent, answers: s.answers, created }, summary };
  },
};

/** What a forged request could have left behind: payments, idempotency records, quotes, a consumed quote. */
async function forgedLeftovers(ctx, s) {
  const { profile, parties } = ctx;
  const gateway = await withDb(`${profile.dbPrefix}_gateway`, async (db) => {
    const payments = (await db.query('SELECT count(*)::int AS n FROM payments WHERE end_to_end_id LIKE $1', [`${s.tag}-%`])).rows[0].n;
    const keys = (await db.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE idempotency_key LIKE $1', [`wrongkey-${s.tag}-%`])).rows[0].n;
    return { payments, 'idempotency keys': keys };
  });
  const fx = await withDb(`${profile.dbPrefix}_fx`, async (db) => {
    const quotes = (await db.query(`SELECT count(*)::int AS n FROM quotes WHERE participant = $1 AND quote ->> 'sendAmount' = $2 AND created_at >= $3`, [parties.debtor.id, ATTACK_SEND_AMOUNT, s.startedAt])).rows[0].n;
    const used = (await db.query('SELECT count(*)::int AS n FROM quotes WHERE id = ANY($1::text[]) AND used_by IS NOT NULL', [s.victimQuotes])).rows[0].n;
    return { quotes, 'consumed quotes': used };
  });
  return { ...gateway, ...fx };
}

// ───────────────────────────── invalid-flood ─────────────────────────────

const ONE_MIB = 1024 * 1024;
/** One request in this many is over the 1 MiB body limit: enough to exercise it without saturating loopback. */
const OVERSIZED_EVERY = 40;
const READY_AFTER_FLOOD_MS = 15_000;

/**
 * The invalid requests, signed by the debtor where a signature is needed to reach the check being exercised.
 * Signatures carry no nonce, so each can be sent many times within the 300 s window (the gateway allows that;
 * Idempotency-Key protects money-moving repeats), which keeps the flood's own CPU cost low.
 */
function invalidRequests({ baseUrl, debtor, creditor }) {
  const { signRequest } = shared();
  const seed = Buffer.from(debtor.seed, 'base64url');
  const signed = (kind, path, body, headers = { 'content-type': 'application/json' }) => ({
    kind,
    path,
    body,
    headers: { ...headers, ...signRequest({ method: 'POST', url: `${baseUrl}${path}`, headers, body, keyId: debtor.id, seed }) },
  });
  const quote = (fields) => JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id, ...fields });
  const payment = (fields) => JSON.stringify({ quoteId: 'q_chaos', endToEndId: 'FLOOD', ...PARTIES, ...fields });
  const json = { 'content-type': 'application/json' };
  const normal = [
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
    { kind: 'garbage signature', path: '/v1/quotes', body: quote({}), headers: { ...json, 'signature-input': 'sig1=("@method");keyid="x"', signature: 'sig1=:AAAA:' } },
  ];
  const big = JSON.stringify({ payments: [], pad: 'x'.repeat(ONE_MIB + 1024) });
  const oversized = [signed('over 1 MiB', '/v1/payments/batch', big, { ...json, 'idempotency-key': crypto.randomUUID() }), { kind: 'over 1 MiB', path: '/v1/quotes/batch', body: big, headers: json }];
  return (i) => (i % OVERSIZED_EVERY === 0 ? oversized[(i / OVERSIZED_EVERY) % oversized.length] : normal[i % normal.length]);
}

/** Sends one invalid request; every answer must be a 4xx RFC 9457 problem. */
async function sendInvalid(baseUrl, request, tally) {
  let answer;
  try {
    const response = await fetch(`${baseUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let code = 'no code';
    try {
      code = JSON.parse(text).code ?? code;
    } catch {
      // not JSON: counted below as not a problem document
    }
    answer = `${response.status} ${code}`;
    if (response.status < 400 || response.status >= 500) bump(tally.unexpected, `${request.kind}: ${answer}`);
    if (!(response.headers.get('content-type') ?? '').includes('application/problem+json')) bump(tally.unexpected, `${request.kind}: ${response.status} without application/problem+json`);
  } catch (error) {
    answer = `no answer (${error.cause?.code ?? error.name})`;
    bump(tally.unexpected, `${request.kind}: ${answer}`);
  }
  bump(tally.byAnswer, answer);
}

const servicePids = ({ profile, svcs }) => Object.fromEntries(svcs.map((svc) => [svc.name, runningPid(profile, svc)]));

async function ready(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

/** The services not ready `READY_AFTER_FLOOD_MS` after the flood (each is polled until then). */
async function notReadyAfter(svcs) {
  const deadline = Date.now() + READY_AFTER_FLOOD_MS;
  let pending = svcs;
  while (pending.length > 0 && Date.now() < deadline) {
    const states = await Promise.all(pending.map((svc) => ready(svc.port)));
    pending = pending.filter((_, i) => !states[i]);
    if (pending.length > 0) await sleep(500);
  }
  return pending.map((svc) => svc.name);
}

export const invalidFlood = {
  async prepare(ctx, s) {
    s.pidsBefore = servicePids(ctx);
    s.next = invalidRequests(ctx.parties);
    s.tally = { byAnswer: {}, unexpected: {} };
  },
  async inject(ctx, s) {
    const { t, parties } = ctx;
    s.run = await atRate({ durationMs: t.floodMs, perSecond: t.floodRate, concurrency: t.floodConcurrency }, (i) => sendInvalid(parties.baseUrl, s.next(i), s.tally));
  },
  async recover(ctx, s) {
    s.notReady = await notReadyAfter(ctx.svcs);
    s.pidsAfter = servicePids(ctx);
  },
  async verify(ctx, s) {
    const problems = Object.entries(s.tally.unexpected).map(([what, n]) => `${n} × ${what}`);
    for (const [name, pid] of Object.entries(s.pidsBefore)) if (s.pidsAfter[name] !== pid) problems.push(`${name}: pid ${pid} before the flood, ${s.pidsAfter[name] ?? 'none'} after`);
    for (const name of s.notReady) problems.push(`${name}: /health/ready not 200 within ${READY_AFTER_FLOOD_MS / 1000} s after the flood`);
    const perSecond = Math.round(s.run.sent / s.run.seconds);
    const byStatus = {};
    for (const [answer, n] of Object.entries(s.tally.byAnswer)) bump(byStatus, answer.split(' ')[0], n);
    const unexpected = Object.values(s.tally.unexpected).reduce((x, y) => x + y, 0);
    const summary =
      `${s.run.sent} invalid requests (${perSecond}/s answered of ${ctx.t.floodRate}/s offered): ${Object.entries(byStatus).map(([status, n]) => `${status} ×${n}`).join(', ')}; ` +
      `${unexpected} not 4xx problem+json; ${problems.length - Object.keys(s.tally.unexpected).length === 0 ? 'same pids, all ready' : 'services disturbed'}`;
    return { problems, checks: { requests: s.run.sent, perSecond, byStatus, byAnswer: s.tally.byAnswer, unexpected: s.tally.unexpected, pids: s.pidsAfter, notReady: s.notReady }, summary };
  },
};
