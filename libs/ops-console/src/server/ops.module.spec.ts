import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ListCursorCodec, Pool, ProblemError, ProblemFilter, createLogger } from '@nostro/platform';
import { sha256Hex } from '@nostro/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kafka } from 'kafkajs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SESSION_COOKIE } from './ops-cookie';
import { OpsConsoleHost, OpsOpenRecall, OpsQueuePage, OpsQueuesQuery, OpsStatementQuery, OpsStatementView } from './ops-host.port';
import { CONTENT_SECURITY_POLICY } from './ops-static.controller';
import { opsConfig } from './ops.config';
import { OpsConsoleModule } from './ops.module';

const TOKEN = 'op_3q2-7mSx0cXlLk9Qv0fJcQf8xUjKQ2r1vH7cS9dZ';
/** Two admins for dual control: Ada asked for the held call, Bo may decide it. */
const ADA_TOKEN = 'op_ada-admin-token-7mSx0cXlLk9Qv0fJcQf8xU';
const BO_TOKEN = 'op_bo-admin-token-7mSx0cXlLk9Qv0fJcQf8xUj';
const VIC_TOKEN = 'op_vic-viewer-token-7mSx0cXlLk9Qv0fJcQf8x';
const OPERATORS: Record<string, { id: string; name: string; role: 'viewer' | 'approver' | 'admin' }> = {
  [TOKEN]: { id: '0b7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b10', name: 'Ann Approver', role: 'approver' },
  [ADA_TOKEN]: { id: '1c7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b11', name: 'Ada Admin', role: 'admin' },
  [BO_TOKEN]: { id: '2d7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b12', name: 'Bo Admin', role: 'admin' },
  [VIC_TOKEN]: { id: '3e7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b13', name: 'Vic Viewer', role: 'viewer' },
};
const operatorById = (id: unknown) => Object.values(OPERATORS).find((o) => o.id === id);
const EXPIRES_AT = new Date(Date.now() + 3_600_000);

/** Three open recalls in the host's order (soonest deadline first); the fake host pages them by keyset as the gateway does. */
const RECALLS: OpsOpenRecall[] = [1, 2, 3].map((n) => ({
  recallId: `00000000-0000-4000-8000-00000000000${n}`,
  uetr: `11111111-0000-4000-8000-00000000000${n}`,
  reason: 'DUPL',
  comment: n === 1 ? 'customer Alice says sent twice' : null,
  requestedAt: `2026-12-0${n}T10:00:00.000Z`,
  respondBy: `2026-12-1${n}T10:00:00.000Z`,
  debtor: 'BANKUS33',
  creditor: `BANKDE3${n}`,
  amount: `${n}00.00`,
  currency: 'EUR',
  cursorAt: `2026-12-1${n}T10:00:00.000000Z`,
}));

/** BANKUS33's USD statement of any day: one deposit. Another participant or currency is the bank API's 404. */
const STATEMENT: OpsStatementView = {
  account: 'BANKUS33:USD',
  currency: 'USD',
  fromHeight: 7,
  toHeight: 9,
  from: '2026-12-06T00:00:00.000Z',
  to: '2026-12-07T00:00:00.000Z',
  openingBalance: '0.00',
  closingBalance: '100.00',
  totalDebits: '0.00',
  totalCredits: '100.00',
  entryCount: 1,
  interim: false,
  entries: [
    {
      entryId: '8-0-0',
      height: 8,
      at: '2026-12-06T10:00:00.000Z',
      kind: 'deposit',
      direction: 'credit',
      amount: '100.00',
      balanceAfter: '100.00',
      counterparty: 'EXTERNAL',
      reference: 'opening',
    },
  ],
};
const CAMT053 = '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>\n';
/** What the host was asked for statements: participant, currency, query. */
const statementCalls: [string, string, OpsStatementQuery][] = [];
const statementOf = (participant: string, currency: string, query: OpsStatementQuery) => {
  statementCalls.push([participant, currency, query]);
  if (participant !== 'BANKUS33' || currency !== 'USD') throw new ProblemError(404, 'not_found', 'Not found', `no ${currency} account`);
};

/** One queue as the host's queue service answers it: BANKUS33's USD account, short 25.00 for its two payments. */
const QUEUED_UETR = '22222222-0000-4000-8000-000000000001';
const SETTLED_UETR = '22222222-0000-4000-8000-000000000002';
const QUEUES: OpsQueuePage = {
  height: 42,
  at: '2026-12-07T10:00:00.000Z',
  data: [
    {
      account: 'BANKUS33:USD',
      participant: 'BANKUS33',
      currency: 'USD',
      balance: '-40.00',
      netDebitCap: '50.00',
      queued: '35.00',
      shortfall: '25.00',
      oldestAge: 90,
      entries: [
        {
          uetr: QUEUED_UETR,
          txId: 'tx-1',
          amount: '15.00',
          arrivedAt: '2026-12-07T09:58:30.000Z',
          age: 90,
          queuedUntil: '2026-12-07T11:00:00.000Z',
          shortfall: '5.00',
        },
        {
          uetr: null,
          txId: 'tx-2',
          amount: '20.00',
          arrivedAt: '2026-12-07T09:59:59.000Z',
          age: 1,
          queuedUntil: '2026-12-07T10:01:00.000Z',
          shortfall: '25.00',
        },
      ],
    },
  ],
  nextCursor: null,
};
/** What the host was asked for queues. */
const queueCalls: OpsQueuesQuery[] = [];

/** The host's reads: one operator, known by its token's SHA-256; nothing else is reached by these requests. */
const host: OpsConsoleHost = {
  operatorByTokenHash: async (hash) => Object.entries(OPERATORS).find(([token]) => sha256Hex(token) === hash)?.[1] ?? null,
  payment: async () => null,
  participants: async () => [],
  participant: async () => null,
  participantKeys: async () => [],
  screeningLimits: async () => ({ data: [] }),
  webhookEndpoints: async () => ({ data: [] }),
  ledgerBalances: async () => ({ height: 0, accounts: [] }),
  finality: async () => null,
  openRecalls: async (limit, after) => RECALLS.filter((r) => !after || r.cursorAt > after.at).slice(0, limit),
  statement: async (participant, currency, query) => {
    statementOf(participant, currency, query);
    return STATEMENT;
  },
  statementXml: async (participant, currency, query) => {
    statementOf(participant, currency, query);
    return CAMT053;
  },
  queues: async (query) => {
    queueCalls.push(query);
    if (query.cursor === 'foreign') throw new ProblemError(400, 'validation_failed', 'Validation failed', 'cursor: not a cursor of this list');
    return QUEUES;
  },
};

const HELD_ID = 'aaaaaaaa-0000-4000-8000-000000000001';
const APPROVED_ID = 'aaaaaaaa-0000-4000-8000-000000000002';
const HELD_REQUESTS = [
  {
    requestId: HELD_ID,
    status: 'PENDING_APPROVAL',
    action: 'admin.participants.deposits.post',
    method: 'POST',
    path: '/v1/admin/participants/BANKUS33/deposits',
    body: { currency: 'USD', amount: '250.00', reference: 'four eyes' },
    requestedBy: { id: OPERATORS[ADA_TOKEN].id, name: 'Ada Admin' },
    createdAt: '2026-12-06T10:00:00.000Z',
    expiresAt: '2026-12-07T10:00:00.000Z',
  },
  {
    requestId: APPROVED_ID,
    status: 'APPROVED',
    action: 'admin.operators.post',
    method: 'POST',
    path: '/v1/admin/operators',
    body: { name: 'Mallory', role: 'admin' },
    requestedBy: { id: OPERATORS[ADA_TOKEN].id, name: 'Ada Admin' },
    createdAt: '2026-12-06T11:00:00.000Z',
    expiresAt: '2026-12-07T11:00:00.000Z',
    decidedBy: { id: OPERATORS[BO_TOKEN].id, name: 'Bo Admin' },
    decidedAt: '2026-12-06T11:05:00.000Z',
    result: { status: 201, body: { id: 'op-9', name: 'Mallory', role: 'admin', token: 'op_mallorys-secret-token' } },
  },
];
/** What the fake operator API was asked: method, URL, the operator whose token came, and the body. */
const adminCalls: { method: string; url: string; operator: string | undefined; body: unknown }[] = [];
const adminProblem = (status: number, code: string) => ({ type: 'about:blank', title: code, status, code, detail: `because ${code}` });

/**
 * The gateway's operator API for dual control, as the console reaches it (in-process, with the operator's own
 * token): the list by status, one request, approve (the requester itself is four_eyes_required) and reject.
 */
function fakeOperatorApi(fastify: FastifyInstance): void {
  const caller = (request: FastifyRequest) => Object.entries(OPERATORS).find(([token]) => request.headers.authorization === `Bearer ${token}`)?.[1];
  const record = (request: FastifyRequest) => {
    adminCalls.push({ method: request.method, url: request.url, operator: caller(request)?.name, body: request.body });
    return caller(request);
  };
  fastify.get('/v1/admin/requests', async (request, reply) => {
    record(request);
    const query = request.query as { status?: string; cursor?: string };
    if (query.cursor === 'bad') return reply.status(400).send(adminProblem(400, 'validation_failed'));
    return { data: HELD_REQUESTS.filter((r) => !query.status || r.status === query.status), nextCursor: null };
  });
  fastify.get('/v1/admin/requests/:id', async (request, reply) => {
    record(request);
    const found = HELD_REQUESTS.find((r) => r.requestId === (request.params as { id: string }).id);
    return found ?? reply.status(404).send(adminProblem(404, 'not_found'));
  });
  fastify.post('/v1/admin/requests/:id/approve', async (request, reply) => {
    const operator = record(request);
    if (operator?.name === 'Ada Admin') return reply.status(403).send(adminProblem(403, 'four_eyes_required'));
    return reply.status(201).send({ type: 'deposit', currency: 'USD', amount: '250.00', balance: '250.00', status: 'SETTLED' });
  });
  fastify.post('/v1/admin/requests/:id/reject', async (request) => {
    record(request);
    return { ...HELD_REQUESTS[0], status: 'REJECTED', ...(request.body as object) };
  });
  fastify.post('/v1/admin/payments/:uetr/cancel', async (request, reply) => {
    record(request);
    const uetr = (request.params as { uetr: string }).uetr;
    if (!request.headers['idempotency-key']) return reply.status(400).send(adminProblem(400, 'idempotency_key_required'));
    if (uetr === SETTLED_UETR) return reply.status(409).send(adminProblem(409, 'payment_not_cancellable'));
    return { uetr, status: 'CANCELLED' };
  });
}

/** A database that records the audit log, keeps the sessions it is given, and finds them again (the statements these requests run). */
function fakePool() {
  const audit: unknown[][] = [];
  const sessions = new Map<unknown, { operator_id: unknown; sealed_token: unknown }>();
  const pool = {
    query: async (sql: string, params: unknown[] = []) => {
      if (sql.includes('INSERT INTO ops_audit_log')) audit.push(params);
      if (sql.includes('INSERT INTO ops_sessions')) {
        sessions.set(params[0], { operator_id: params[1], sealed_token: params[2] });
        return { rows: [{ expires_at: EXPIRES_AT }], rowCount: 1 };
      }
      const found = sql.includes('FROM ops_sessions s JOIN operators') && sql.includes('WHERE s.id_hash = $1') ? sessions.get(params[0]) : undefined;
      if (found) {
        const { name, role } = operatorById(found.operator_id) ?? { name: '?', role: 'viewer' };
        const row = { ...found, name, role, created_at: new Date(), expires_at: EXPIRES_AT, ended: null };
        return { rows: [row], rowCount: 1 };
      }
      return { rows: [], rowCount: 0 };
    },
  };
  return { pool: pool as unknown as Pool, audit };
}

describe('the operations console as a NestJS module of its own', () => {
  let app: NestFastifyApplication;
  let audit: unknown[][];
  let uiDir: string;

  beforeAll(async () => {
    uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-ui-'));
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>console</title>');
    const log = createLogger('ops-console-spec', 'silent');
    const db = fakePool();
    audit = db.audit;
    const module = OpsConsoleModule.register({
      config: opsConfig({ OPS_UI_DIR: uiDir }, 'http://127.0.0.1:3000'),
      ledgerUrls: ['http://127.0.0.1:1'],
      kafkaTopicPrefix: 'spec.',
      pool: db.pool,
      kafka: {} as Kafka,
      log,
      cursors: new ListCursorCodec('spec seed'),
      host,
    });
    app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
    fakeOperatorApi(app.getHttpAdapter().getInstance());
    app.useGlobalFilters(new ProblemFilter(log));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
    fs.rmSync(uiDir, { recursive: true, force: true });
  });

  const inject = (options: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: unknown }) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({
        ...options,
        payload: options.payload === undefined ? undefined : JSON.stringify(options.payload),
        headers: { ...(options.payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      });

  it('serves the page at /ops with its Content-Security-Policy, and no file outside the UI folder', async () => {
    const page = await inject({ method: 'GET', url: '/ops' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<title>console</title>');
    expect((await inject({ method: 'GET', url: '/ops/assets/..%2Findex.html' })).statusCode).toBe(404);
  });

  it('answers the API 401 without a session, and refuses a sign-in from another origin', async () => {
    const noSession = await inject({ method: 'GET', url: '/ops/api/overview' });
    expect(noSession.statusCode).toBe(401);
    expect(noSession.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    const crossSite = await inject({ method: 'POST', url: '/ops/api/session', headers: { origin: 'https://evil.example' }, payload: { token: TOKEN } });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json()).toMatchObject({ code: 'origin_mismatch' });
  });

  it('signs an operator in through the host port: the session cookie, the role, and the audit entry', async () => {
    const unknown = await inject({ method: 'POST', url: '/ops/api/session', payload: { token: 'op_unknownunknownunknown' } });
    expect(unknown.statusCode).toBe(401);
    const signIn = await inject({ method: 'POST', url: '/ops/api/session', payload: { token: TOKEN } });
    expect(signIn.statusCode).toBe(201);
    expect(signIn.headers['cache-control']).toBe('no-store');
    expect(String(signIn.headers['set-cookie'])).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/ops; Max-Age=\\d+; HttpOnly; SameSite=Strict$`),
    );
    expect(signIn.json()).toMatchObject({
      operator: { name: 'Ann Approver', role: 'approver' },
      expiresAt: EXPIRES_AT.toISOString(),
      can: { seeParties: true, decide: true, manageParticipants: false },
    });
    expect(audit.map((row) => [row[3], row[5], row[6]])).toEqual([
      ['session.sign_in', 'denied', 401],
      ['session.sign_in', 'ok', 201],
    ]);
  });

  it('lists open recalls soonest deadline first, waiting on the creditor, in keyset pages with a cursor of its own', async () => {
    const signIn = await inject({ method: 'POST', url: '/ops/api/session', payload: { token: TOKEN } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const get = (url: string) => inject({ method: 'GET', url, headers: { cookie } });
    const first = await get('/ops/api/recalls?limit=2');
    expect(first.statusCode).toBe(200);
    const page = first.json() as { data: Record<string, unknown>[]; nextCursor: string };
    expect(page.data).toEqual([
      {
        recallId: RECALLS[0].recallId,
        uetr: RECALLS[0].uetr,
        reason: 'DUPL',
        comment: 'customer Alice says sent twice',
        requestedAt: '2026-12-01T10:00:00.000Z',
        respondBy: '2026-12-11T10:00:00.000Z',
        debtor: 'BANKUS33',
        creditor: 'BANKDE31',
        amount: '100.00',
        currency: 'EUR',
        waitingOn: 'BANKDE31',
      },
      expect.objectContaining({ recallId: RECALLS[1].recallId, waitingOn: 'BANKDE32' }),
    ]);
    const second = (await get(`/ops/api/recalls?limit=2&cursor=${page.nextCursor}`)).json() as { data: { recallId: string }[]; nextCursor: null };
    expect(second).toEqual({ data: [expect.objectContaining({ recallId: RECALLS[2].recallId })], nextCursor: null });
    for (const bad of ['limit=0', 'limit=201', 'cursor=abc', 'status=PENDING']) expect((await get(`/ops/api/recalls?${bad}`)).statusCode).toBe(400);
    const otherList = new ListCursorCodec('spec seed').encodeTime('ops-payments', { at: '2026-12-11T10:00:00.000000Z', id: RECALLS[0].recallId });
    expect((await get(`/ops/api/recalls?cursor=${otherList}`)).statusCode).toBe(400);
  });

  it("serves a participant's statement through the port: JSON, or the camt.053 as a download; today by default", async () => {
    const signIn = await inject({ method: 'POST', url: '/ops/api/session', payload: { token: TOKEN } });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const get = (url: string) => inject({ method: 'GET', url, headers: { cookie } });
    statementCalls.length = 0;
    const json = await get('/ops/api/participants/BANKUS33/statement?currency=USD&date=2026-12-06');
    expect(json.statusCode).toBe(200);
    expect(json.headers['cache-control']).toBe('no-store');
    expect(json.json()).toEqual(STATEMENT);
    const xml = await get('/ops/api/participants/BANKUS33/statement?currency=USD&date=2026-12-06&format=xml');
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.headers['content-disposition']).toBe('attachment; filename="camt053-BANKUS33-USD-2026-12-06.xml"');
    expect(xml.body).toBe(CAMT053);
    const today = new Date().toISOString().slice(0, 10);
    expect((await get('/ops/api/participants/BANKUS33/statement?currency=USD')).statusCode).toBe(200);
    expect(statementCalls).toEqual([
      ['BANKUS33', 'USD', { date: '2026-12-06' }],
      ['BANKUS33', 'USD', { date: '2026-12-06' }],
      ['BANKUS33', 'USD', { date: today }],
    ]);
    // The host's problem is answered as it is; a malformed id or query never reaches it.
    expect((await get('/ops/api/participants/BANKUS33/statement?currency=EUR')).json()).toMatchObject({ status: 404, code: 'not_found' });
    statementCalls.length = 0;
    for (const bad of [
      '',
      'currency=usd',
      'currency=XYZ',
      'currency=USD&date=2026-02-30',
      'currency=USD&date=6.12.2026',
      'currency=USD&format=pdf',
      'currency=USD&fromHeight=1',
    ]) {
      const answer = await get(`/ops/api/participants/BANKUS33/statement?${bad}`);
      expect({ bad, status: answer.statusCode, code: (answer.json() as { code: string }).code }).toEqual({ bad, status: 400, code: 'validation_failed' });
    }
    expect((await get('/ops/api/participants/bank-us/statement?currency=USD')).statusCode).toBe(404);
    expect(statementCalls).toEqual([]);
    expect((await inject({ method: 'GET', url: '/ops/api/participants/BANKUS33/statement?currency=USD' })).statusCode).toBe(401);
  });

  describe('held operator calls (dual control)', () => {
    const signedIn = async (token: string) => {
      const signIn = await inject({ method: 'POST', url: '/ops/api/session', payload: { token } });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0];
      return {
        get: (url: string) => inject({ method: 'GET', url, headers: { cookie } }),
        post: (url: string, payload: unknown) => inject({ method: 'POST', url, headers: { cookie, 'idempotency-key': 'k-1' }, payload }),
      };
    };
    const actions = () => audit.filter((row) => String(row[3]).startsWith('request.')).map((row) => [row[3], row[4], row[5], row[6]]);

    beforeEach(() => {
      adminCalls.length = 0;
    });

    it('lists them through the operator API as the signed-in operator, by status, without a secret of an answer', async () => {
      const bo = await signedIn(BO_TOKEN);
      const pending = await bo.get('/ops/api/requests?status=PENDING_APPROVAL');
      expect(pending.statusCode).toBe(200);
      expect(pending.json()).toEqual({ data: [{ ...HELD_REQUESTS[0], mine: false }], nextCursor: null });
      const all = (await bo.get('/ops/api/requests?limit=10')).json() as { data: { requestId: string; result?: unknown }[] };
      expect(all.data.map((r) => r.requestId)).toEqual([HELD_ID, APPROVED_ID]);
      expect(all.data[1].result).toEqual({ status: 201, body: { id: 'op-9', name: 'Mallory', role: 'admin' } });
      expect(adminCalls).toEqual([
        { method: 'GET', url: '/v1/admin/requests?limit=50&status=PENDING_APPROVAL', operator: 'Bo Admin', body: undefined },
        { method: 'GET', url: '/v1/admin/requests?limit=10', operator: 'Bo Admin', body: undefined },
      ]);
      const ada = await signedIn(ADA_TOKEN);
      expect(((await ada.get(`/ops/api/requests/${HELD_ID}`)).json() as { mine: boolean }).mine).toBe(true);
    });

    it("answers the operator API's problems as they are, and refuses a bad query or id before forwarding", async () => {
      const bo = await signedIn(BO_TOKEN);
      expect((await bo.get('/ops/api/requests?cursor=bad')).json()).toMatchObject({ status: 400, code: 'validation_failed' });
      expect((await bo.get('/ops/api/requests/aaaaaaaa-0000-4000-8000-000000000009')).json()).toMatchObject({ status: 404, code: 'not_found' });
      const calls = adminCalls.length;
      for (const bad of ['status=DONE', 'limit=0', 'limit=201', 'requestId=x']) expect((await bo.get(`/ops/api/requests?${bad}`)).statusCode).toBe(400);
      expect((await bo.get('/ops/api/requests/not-a-uuid')).statusCode).toBe(404);
      expect((await bo.post('/ops/api/requests/not-a-uuid/approve', {})).statusCode).toBe(404);
      expect(adminCalls).toHaveLength(calls);
    });

    it("approves as a second admin with the call's own answer, passes four_eyes_required through for the requester, and audits both", async () => {
      const before = actions().length;
      const ada = await signedIn(ADA_TOKEN);
      const own = await ada.post(`/ops/api/requests/${HELD_ID}/approve`, {});
      expect(own.statusCode).toBe(403);
      expect(own.json()).toMatchObject({ code: 'four_eyes_required' });
      const bo = await signedIn(BO_TOKEN);
      const approved = await bo.post(`/ops/api/requests/${HELD_ID.toUpperCase()}/approve`, { comment: 'SWIFT confirmation checked' });
      expect(approved.statusCode).toBe(201);
      expect(approved.json()).toMatchObject({ type: 'deposit', balance: '250.00' });
      expect(adminCalls).toEqual([
        { method: 'POST', url: `/v1/admin/requests/${HELD_ID}/approve`, operator: 'Ada Admin', body: {} },
        { method: 'POST', url: `/v1/admin/requests/${HELD_ID}/approve`, operator: 'Bo Admin', body: { comment: 'SWIFT confirmation checked' } },
      ]);
      expect(actions().slice(before)).toEqual([
        ['request.approve', HELD_ID, 'refused', 403],
        ['request.approve', HELD_ID, 'ok', 201],
      ]);
    });

    it('rejects with a comment; an approver may read them but not decide (request.decide is admins only), and is audited denied', async () => {
      const before = actions().length;
      const bo = await signedIn(BO_TOKEN);
      const rejected = await bo.post(`/ops/api/requests/${HELD_ID}/reject`, { comment: 'not on the funding plan' });
      expect(rejected.json()).toMatchObject({ status: 'REJECTED', comment: 'not on the funding plan' });
      const ann = await signedIn(TOKEN);
      expect((await ann.get('/ops/api/requests')).statusCode).toBe(200);
      const refused = await ann.post(`/ops/api/requests/${HELD_ID}/approve`, {});
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'forbidden' });
      expect(adminCalls.filter((c) => c.method === 'POST').map((c) => c.operator)).toEqual(['Bo Admin']);
      expect(actions().slice(before)).toEqual([
        ['request.reject', HELD_ID, 'ok', 200],
        ['request.approve', HELD_ID, 'denied', 403],
      ]);
    });
  });

  describe('liquidity queues', () => {
    const signedIn = async (token: string) => {
      const signIn = await inject({ method: 'POST', url: '/ops/api/session', payload: { token } });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0];
      return {
        get: (url: string) => inject({ method: 'GET', url, headers: { cookie } }),
        post: (url: string, payload: unknown, key = 'k-cancel') => inject({ method: 'POST', url, headers: { cookie, 'idempotency-key': key }, payload }),
      };
    };
    const cancels = () => audit.filter((row) => row[3] === 'payment.cancel').map((row) => [row[4], row[5], row[6]]);

    beforeEach(() => {
      adminCalls.length = 0;
      queueCalls.length = 0;
    });

    it("lists them to every role through the host's queue service, with its filters, and refuses a bad query before asking it", async () => {
      const vic = await signedIn(VIC_TOKEN);
      const all = await vic.get('/ops/api/queues');
      expect(all.statusCode).toBe(200);
      expect(all.headers['cache-control']).toBe('no-store');
      expect(all.json()).toEqual(QUEUES);
      expect((await vic.get('/ops/api/queues?participant=BANKUS33&currency=USD&limit=10&cursor=abc')).statusCode).toBe(200);
      expect(queueCalls).toEqual([{ limit: 50 }, { participant: 'BANKUS33', currency: 'USD', limit: 10, cursor: 'abc' }]);
      // The host's problem (another list's cursor) is answered as it is.
      expect((await vic.get('/ops/api/queues?cursor=foreign')).json()).toMatchObject({ status: 400, code: 'validation_failed' });
      queueCalls.length = 0;
      for (const bad of ['limit=0', 'limit=201', 'currency=usd', 'participant=bank%20us', 'sort=age']) {
        const answer = await vic.get(`/ops/api/queues?${bad}`);
        expect({ bad, status: answer.statusCode, code: (answer.json() as { code: string }).code }).toEqual({ bad, status: 400, code: 'validation_failed' });
      }
      expect(queueCalls).toEqual([]);
      expect((await inject({ method: 'GET', url: '/ops/api/queues' })).statusCode).toBe(401);
    });

    it('cancels a queued payment through the operator API as the signed-in approver, passes its refusal on, and audits each', async () => {
      const before = cancels().length;
      const ann = await signedIn(TOKEN);
      const cancelled = await ann.post(`/ops/api/payments/${QUEUED_UETR.toUpperCase()}/cancel`, { reason: 'stuck since the morning' });
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json()).toEqual({ uetr: QUEUED_UETR, status: 'CANCELLED' });
      const late = await ann.post(`/ops/api/payments/${SETTLED_UETR}/cancel`, {}, 'k-late');
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ code: 'payment_not_cancellable' });
      expect(adminCalls).toEqual([
        { method: 'POST', url: `/v1/admin/payments/${QUEUED_UETR}/cancel`, operator: 'Ann Approver', body: { reason: 'stuck since the morning' } },
        { method: 'POST', url: `/v1/admin/payments/${SETTLED_UETR}/cancel`, operator: 'Ann Approver', body: {} },
      ]);
      expect(cancels().slice(before)).toEqual([
        [QUEUED_UETR, 'ok', 200],
        [SETTLED_UETR, 'refused', 409],
      ]);
      const kept = audit.filter((row) => row[3] === 'payment.cancel' && row[4] === QUEUED_UETR).map((row) => JSON.parse(String(row[7])) as unknown);
      expect(kept).toEqual([
        expect.objectContaining({ request: { reason: 'stuck since the morning' }, idempotencyKey: 'k-cancel', response: { status: 'CANCELLED' } }),
      ]);
    });

    it('refuses a viewer (payment.decide is for approvers and admins) and audits it denied; a malformed UETR is never forwarded', async () => {
      const before = cancels().length;
      const vic = await signedIn(VIC_TOKEN);
      const refused = await vic.post(`/ops/api/payments/${QUEUED_UETR}/cancel`, {});
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'forbidden' });
      const ann = await signedIn(TOKEN);
      expect((await ann.post('/ops/api/payments/not-a-uetr/cancel', {})).statusCode).toBe(404);
      expect(adminCalls).toEqual([]);
      expect(cancels().slice(before)).toEqual([[QUEUED_UETR, 'denied', 403]]);
    });
  });
});
