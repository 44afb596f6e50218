/**
 * The bank client against a local HTTP server that checks every request's RFC 9421 signature with the
 * gateway's own `verifyRequest`: a real signed round trip over 127.0.0.1.
 */
import { buildCamt053, buildPacs002, parsePacs008, type Pacs008Message, type StatusReport } from '@nostro/iso20022';
import { base64UrlEncode, generateEd25519KeyPair, verifyFinalityProof, verifyRequest } from '@nostro/shared-node';
import { NostroApiError, NostroNetworkError } from './nostro-api.error';
import { NostroClient, type IdempotencyOptions } from './nostro.client';
import { testNetwork, transfer } from './testing/finality-proof';
import { startLocalServer, type LocalServer, type ReceivedRequest, type Reply } from './testing/local-server';
import type { AccountEntry, AccountStatement, AddKeyRequest, CreatePaymentRequest, Quote } from './types';

const bank = generateEd25519KeyPair();
const network = testNetwork();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UETR = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const RETURN_ID = 'b7e1d7a0-6c1f-4f7e-9a51-0d2b3c4d5e6f';
/** One final block: the payment, one of its returns, and a third transaction. */
const block = [transfer('tx-1', UETR), transfer('tx-2', UETR, { returnId: RETURN_ID }), transfer('tx-3', UETR)];
const paymentProof = network.prove(block, 0);
const returnProof = network.prove(block, 1);

const payment: CreatePaymentRequest = {
  quoteId: 'q-1',
  endToEndId: 'E2E-0001',
  debtor: { name: 'Zoë Ångström', account: 'DE89370400440532013000' },
  creditor: { name: '山田 太郎', account: '1234567' },
  remittanceInfo: 'Invoice №42 — 💶',
};

function problem(status: number, code: string, headers?: Record<string, string>): Reply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: { type: `https://nostro.dev/problems/${code}`, title: code, status, detail: `because ${code}`, code },
  };
}

function quoteFor(body: { sourceCurrency: string; targetCurrency: string; sendAmount: string }): Quote {
  return {
    id: 'q-1',
    sourceCurrency: body.sourceCurrency,
    targetCurrency: body.targetCurrency,
    midRate: '0.92',
    rate: '0.9154',
    markupBps: '50',
    sendAmount: body.sendAmount,
    receiveAmount: '915.40',
    fees: [{ type: 'fixed', amount: '1.00', currency: body.sourceCurrency }],
    totalDebit: '1001.00',
    expiresAt: '2030-01-01T00:00:00.000Z',
    signature: 'sig',
  };
}

const recall = { recallId: 'rc-1', uetr: UETR, status: 'PENDING', reason: 'DUPL', respondBy: '2030-01-11T00:00:00.000Z' };
const paymentReturn = {
  returnId: RETURN_ID,
  uetr: UETR,
  status: 'RECEIVED',
  amount: '400.00',
  currency: 'EUR',
  sourceAmount: '436.96',
  sourceCurrency: 'USD',
  reason: 'AC04',
};

/** The way back: cancel, recall, recall response, return, and the proofs of returns. */
function wayBack(method: string, pathname: string): Reply | undefined {
  if (method === 'POST' && pathname === `/v1/payments/${UETR}/cancel`) return { status: 200, body: { uetr: UETR, status: 'CANCELLED' } };
  if (method === 'POST' && pathname === `/v1/payments/${UETR}/recall`) return { status: 202, body: recall };
  if (method === 'POST' && pathname === `/v1/incoming-payments/${UETR}/recall/response`)
    return { status: 200, body: { recallId: 'rc-1', status: 'ACCEPTED', returnId: RETURN_ID } };
  if (method === 'POST' && pathname === `/v1/incoming-payments/${UETR}/return`) return { status: 202, body: paymentReturn };
  if (method === 'POST' && pathname === `/v1/incoming-payments/${UETR}/fulfil`) return { status: 202, body: { uetr: UETR, status: 'RESERVED' } };
  if (pathname === `/v1/payments/${UETR}/returns/${RETURN_ID}/finality`) return { status: 200, body: returnProof };
  if (pathname === `/v1/incoming-payments/${UETR}/returns/${RETURN_ID}/finality`) return { status: 200, body: returnProof };
  return undefined;
}

const entry = (n: number): AccountEntry => ({
  entryId: `${n}-0-0`,
  height: n,
  at: '2026-12-06T10:00:00.000Z',
  kind: 'deposit',
  direction: 'credit',
  amount: '1.00',
  balanceAfter: `${n}.00`,
  counterparty: 'EXTERNAL',
  reference: `top-up ${n}`,
});
/** Five entries served in pages of `limit` by a cursor that is the index of the next one. */
const ENTRIES = [1, 2, 3, 4, 5].map(entry);
const statement: AccountStatement = {
  account: 'BANKA001:USD',
  currency: 'USD',
  fromHeight: 1,
  toHeight: 5,
  from: '2026-12-06T00:00:00.000Z',
  to: '2026-12-07T00:00:00.000Z',
  openingBalance: '0.00',
  closingBalance: '5.00',
  totalDebits: '0.00',
  totalCredits: '5.00',
  entryCount: 5,
  interim: true,
  entries: ENTRIES,
};
const camt053 = buildCamt053({
  messageId: 'STMT-1',
  createdAt: new Date('2026-12-06T12:00:00Z'),
  statementId: 'BANKA001:USD-1-5',
  account: { id: 'BANKA001:USD', currency: 'USD', owner: 'BANKA001' },
  from: new Date(statement.from),
  to: new Date(statement.to),
  interim: true,
  openingBalance: { amount: '0.00', currency: 'USD' },
  closingBalance: { amount: '5.00', currency: 'USD' },
  entries: ENTRIES.map((e) => ({
    entryRef: e.entryId,
    amount: { amount: e.amount, currency: 'USD' },
    direction: e.direction,
    bookingDate: new Date(e.at),
    kind: e.kind,
  })),
});
const pacs008Message: Pacs008Message = {
  messageId: 'MSG-1',
  createdAt: '2026-12-06T10:00:00Z',
  transactions: [0, 1].map((index) => ({
    index,
    quoteId: `q-${index}`,
    uetr: index === 0 ? UETR : undefined,
    endToEndId: `E2E-${index}`,
    amount: '10.00',
    currency: 'USD',
    debtor: { name: 'Zoë Ångström', account: 'US0012345' },
    creditor: { name: '山田 太郎', account: '1234567' },
    debtorAgent: 'BANKA001',
    creditorAgent: 'BANKB001',
  })),
};
const statusReport: StatusReport = {
  messageId: 'NOSTRO-1',
  createdAt: new Date('2026-12-06T10:00:01Z'),
  originalMessageId: 'MSG-1',
  originalMessageNameId: 'pacs.008.001.09',
  originalCreatedAt: '2026-12-06T10:00:00Z',
  groupStatus: 'PART',
  transactions: [
    { uetr: UETR, endToEndId: 'E2E-0', txId: 'q-0', status: 'RCVD' },
    { endToEndId: 'E2E-1', txId: 'q-1', status: 'RJCT', reason: { code: 'NARR', additionalInfo: 'quote_already_used' } },
  ],
};
const pacs002 = buildPacs002(statusReport);
const XML = { 'content-type': 'application/xml; charset=utf-8' };

/** Account entries and statements, and ISO 20022 documents (XML in and out; problems stay JSON). */
function statementsAndIso(request: ReceivedRequest): Reply | undefined {
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  const xml = request.headers.accept === 'application/xml';
  if (pathname === '/v1/accounts/USD/entries') {
    const from = Number(searchParams.get('cursor') ?? '0');
    const limit = Number(searchParams.get('limit') ?? '100');
    const next = from + limit < ENTRIES.length ? String(from + limit) : null;
    return { status: 200, body: { data: ENTRIES.slice(from, from + limit), nextCursor: next, echo: Object.fromEntries(searchParams) } };
  }
  if (pathname === '/v1/accounts/USD/statement') return xml ? { status: 200, headers: XML, body: camt053 } : { status: 200, body: statement };
  if (pathname === '/v1/iso20022/pacs.008' && request.method === 'POST') return { status: 202, headers: XML, body: pacs002 };
  if (pathname === `/v1/payments/${UETR}` && xml) return { status: 200, headers: XML, body: pacs002 };
  if (pathname === `/v1/incoming-payments/${UETR}` && xml) return { status: 200, headers: XML, body: '<Document>pacs.008</Document>' };
  return undefined;
}

function route(request: ReceivedRequest): Reply {
  const iso = statementsAndIso(request);
  if (iso) return iso;
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  const body = (request.rawBody.length > 0 ? JSON.parse(request.rawBody.toString('utf8')) : {}) as Parameters<typeof quoteFor>[0];
  if (pathname === '/v1/keys') return { status: 200, body: network.keys };
  if (pathname === '/v1/quotes') return { status: 201, body: quoteFor(body) };
  if (pathname === '/v1/payments' && request.method === 'POST') return { status: 202, body: { uetr: UETR, status: 'RECEIVED' } };
  if (pathname === '/v1/payments') return { status: 200, body: { data: [], nextCursor: null, echo: Object.fromEntries(searchParams) } };
  if (pathname === `/v1/payments/${UETR}`) return { status: 200, body: { uetr: UETR, status: 'SETTLED', timeline: [] } };
  if (pathname === `/v1/payments/${UETR}/finality`) return { status: 200, body: paymentProof };
  if (pathname === '/v1/accounts') return { status: 200, body: { data: [{ currency: 'USD', balance: '100.00', available: '90.00' }] } };
  if (pathname === '/v1/keys/participant' && request.method === 'POST')
    return { status: 201, body: { ...(body as unknown as AddKeyRequest), participant: 'BANKA001', createdAt: '2026-12-06T10:00:00.000Z', revokedAt: null } };
  if (pathname === '/v1/keys/participant/BANKA001-2026' && request.method === 'DELETE') return { status: 204 };
  return wayBack(request.method, pathname) ?? problem(404, 'not_found');
}

let server: LocalServer;
/** Replies used, in order, before normal routing (after the signature check). */
let scripted: (Reply | 'drop')[] = [];
/** Set when a request fails the signature check. */
let authFailures: string[] = [];

beforeAll(async () => {
  server = await startLocalServer(async (request) => {
    const auth = await verifyRequest(
      { method: request.method, targetUri: server.baseUrl + request.url, headers: request.headers, rawBody: request.rawBody },
      { lookupKey: (keyId) => (keyId === 'BANKA001' ? bank.publicKey : undefined) },
    );
    if (!auth.ok) {
      authFailures.push(`${auth.code}: ${auth.detail}`);
      return problem(401, auth.code);
    }
    return scripted.shift() ?? route(request);
  });
});

afterAll(() => server.close());

beforeEach(() => {
  server.received.length = 0;
  scripted = [];
  authFailures = [];
});

function client(overrides: Partial<ConstructorParameters<typeof NostroClient>[0]> = {}) {
  return new NostroClient({ baseUrl: server.baseUrl, participantId: 'BANKA001', seed: bank.seed, retry: { baseDelayMs: 1 }, ...overrides });
}

const idempotencyKeys = () => server.received.map((r) => r.headers['idempotency-key']);

describe('NostroClient: signed requests', () => {
  it('getKeys returns the validators and quorum, from a signed GET', async () => {
    const keys = await client().getKeys();
    expect(keys.quorum).toBe(2);
    expect(keys.validators.map((v) => v.id)).toEqual(['v0', 'v1', 'v2']);
    expect(server.received[0].headers['signature-input']).toMatch(/^sig1=\("@method" "@target-uri"\);created=\d+;keyid="BANKA001";alg="ed25519"$/);
    expect(authFailures).toEqual([]);
  });

  it('createQuote sends amounts as strings with a Content-Digest', async () => {
    const quote = await client().createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1000.00', creditorParticipant: 'BANKB001' });
    expect(quote).toMatchObject({ id: 'q-1', sendAmount: '1000.00', receiveAmount: '915.40', totalDebit: '1001.00' });
    const [request] = server.received;
    expect(JSON.parse(request.rawBody.toString('utf8'))).toEqual({
      sourceCurrency: 'USD',
      targetCurrency: 'EUR',
      sendAmount: '1000.00',
      creditorParticipant: 'BANKB001',
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-digest']).toMatch(/^sha-256=:.+:$/);
    expect(request.headers['signature-input']).toContain('"content-digest"');
  });

  it('createPayment generates a UUID v4 Idempotency-Key and signs it, with a non-ASCII body', async () => {
    expect(await client().createPayment(payment)).toEqual({ uetr: UETR, status: 'RECEIVED' });
    expect(idempotencyKeys()[0]).toMatch(UUID_V4);
    expect(server.received[0].headers['signature-input']).toContain('"content-digest" "idempotency-key"');
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual(payment);
    expect(authFailures).toEqual([]);
  });

  it('createPayment uses the Idempotency-Key it is given', async () => {
    await client().createPayment(payment, { idempotencyKey: 'bank-ref-77' });
    expect(idempotencyKeys()).toEqual(['bank-ref-77']);
  });

  it('getPayment, listPayments (query signed as sent) and getAccounts', async () => {
    const c = client();
    expect(await c.getPayment(UETR)).toMatchObject({ uetr: UETR, status: 'SETTLED' });
    const page = (await c.listPayments({ status: 'SETTLED', limit: 50, cursor: 'a+b/c= d', since: undefined })) as unknown as { echo: unknown };
    expect(page.echo).toEqual({ status: 'SETTLED', limit: '50', cursor: 'a+b/c= d' });
    expect(await c.getAccounts()).toEqual({ data: [{ currency: 'USD', balance: '100.00', available: '90.00' }] });
    expect(authFailures).toEqual([]);
  });

  it('getFinality returns a proof the bank can verify against getKeys', async () => {
    const c = client();
    const [proof, keys] = await Promise.all([c.getFinality(UETR), c.getKeys()]);
    expect(verifyFinalityProof(proof, keys)).toEqual({ ok: true });
  });

  it('accepts the seed as base64url, an explicit key id and a base URL with a trailing slash', async () => {
    const c = client({ seed: base64UrlEncode(bank.seed), keyId: 'BANKA001', baseUrl: `${server.baseUrl}/` });
    await expect(c.getAccounts()).resolves.toBeDefined();
    expect(authFailures).toEqual([]);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => client({ seed: new Uint8Array(16) })).toThrow(RangeError);
  });
});

describe('NostroClient: errors', () => {
  it('throws NostroApiError with the problem for an application/problem+json answer', async () => {
    scripted = [problem(422, 'insufficient_liquidity')];
    const error = await client()
      .createPayment(payment)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NostroApiError);
    expect(error).toMatchObject({ status: 422, code: 'insufficient_liquidity', problem: { status: 422, detail: 'because insufficient_liquidity' } });
    expect(server.received).toHaveLength(1);
  });

  it('throws NostroApiError with code http_<status> for a non-problem answer', async () => {
    scripted = [{ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>bad gateway</html>' }];
    const error = await client()
      .getAccounts()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'http_502', problem: { status: 502, detail: '<html>bad gateway</html>' } });
  });

  it('surfaces the gateway signature refusal code', async () => {
    const stranger = client({ seed: generateEd25519KeyPair().seed });
    await expect(stranger.getAccounts()).rejects.toMatchObject({ status: 401, code: 'signature_invalid' });
    await expect(client({ keyId: 'NOBODY01' }).getAccounts()).rejects.toMatchObject({ status: 401, code: 'key_unknown' });
  });

  it('throws NostroNetworkError when the connection drops on a request that is not retried', async () => {
    scripted = ['drop'];
    await expect(client().getAccounts()).rejects.toBeInstanceOf(NostroNetworkError);
  });
});

describe('NostroClient: createPayment retries with the same Idempotency-Key', () => {
  it('after 409 idempotency_in_progress (Retry-After) and a 503', async () => {
    scripted = [problem(409, 'idempotency_in_progress', { 'retry-after': '0' }), problem(503, 'unavailable')];
    expect(await client().createPayment(payment)).toEqual({ uetr: UETR, status: 'RECEIVED' });
    expect(server.received).toHaveLength(3);
    expect(new Set(idempotencyKeys()).size).toBe(1);
    expect(authFailures).toEqual([]);
  });

  it('after a dropped connection', async () => {
    scripted = ['drop'];
    await client().createPayment(payment, { idempotencyKey: 'k-drop' });
    expect(idempotencyKeys()).toEqual(['k-drop', 'k-drop']);
  });

  it('honours Retry-After but never waits longer than maxDelayMs', async () => {
    scripted = [problem(409, 'idempotency_in_progress', { 'retry-after': '30' })];
    const started = Date.now();
    await client({ retry: { maxDelayMs: 20 } }).createPayment(payment);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.received).toHaveLength(2);
  });

  it('gives up after `retries` retries and throws the last error', async () => {
    scripted = [problem(500, 'internal'), problem(502, 'bad_gateway'), problem(503, 'unavailable')];
    await expect(client().createPayment(payment, { retries: 2 })).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(server.received).toHaveLength(3);
  });

  it.each([
    ['a 409 idempotency_conflict', problem(409, 'idempotency_conflict')],
    ['a 400 validation_failed', problem(400, 'validation_failed')],
    ['a 429 rate_limited', problem(429, 'rate_limited', { 'retry-after': '0' })],
  ])('does not retry %s', async (_why, reply) => {
    scripted = [reply];
    await expect(client().createPayment(payment)).rejects.toBeInstanceOf(NostroApiError);
    expect(server.received).toHaveLength(1);
  });

  it('does not retry at all with retries: 0', async () => {
    scripted = [problem(503, 'unavailable')];
    await expect(client().createPayment(payment, { retries: 0 })).rejects.toMatchObject({ status: 503 });
    expect(server.received).toHaveLength(1);
  });
});

describe('NostroClient: cancel, recall, recall response and return', () => {
  type Write = (c: NostroClient, options?: IdempotencyOptions) => Promise<unknown>;
  const writes: [string, Write, string, unknown, unknown][] = [
    [
      'cancelPayment',
      (c, o) => c.cancelPayment(UETR, { reason: 'customer asked' }, o),
      `/v1/payments/${UETR}/cancel`,
      { reason: 'customer asked' },
      { uetr: UETR, status: 'CANCELLED' },
    ],
    [
      'recallPayment',
      (c, o) => c.recallPayment(UETR, { reason: 'DUPL', comment: 'sent twice' }, o),
      `/v1/payments/${UETR}/recall`,
      { reason: 'DUPL', comment: 'sent twice' },
      recall,
    ],
    [
      'respondToRecall',
      (c, o) => c.respondToRecall(UETR, { decision: 'accept', amount: '400.00' }, o),
      `/v1/incoming-payments/${UETR}/recall/response`,
      { decision: 'accept', amount: '400.00' },
      { recallId: 'rc-1', status: 'ACCEPTED', returnId: RETURN_ID },
    ],
    [
      'returnPayment',
      (c, o) => c.returnPayment(UETR, { reason: 'AC04', amount: '400.00' }, o),
      `/v1/incoming-payments/${UETR}/return`,
      { reason: 'AC04', amount: '400.00' },
      paymentReturn,
    ],
    [
      'fulfil',
      (c, o) => c.fulfil(UETR, 'c2VjcmV0LW9mLXRoZS1zaGlwcGVy', o),
      `/v1/incoming-payments/${UETR}/fulfil`,
      { preimage: 'c2VjcmV0LW9mLXRoZS1zaGlwcGVy' },
      { uetr: UETR, status: 'RESERVED' },
    ],
  ];

  it.each(writes)('%s POSTs the body to its path, signed with a new UUID v4 Idempotency-Key', async (_name, write, path, body, answer) => {
    expect(await write(client())).toEqual(answer);
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(path);
    expect(JSON.parse(request.rawBody.toString('utf8'))).toEqual(body);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toMatch(UUID_V4);
    expect(request.headers['signature-input']).toContain('"@method" "@target-uri" "content-digest" "idempotency-key"');
    expect(authFailures).toEqual([]);
  });

  it.each(writes)('%s retries a 503 and a dropped connection with the Idempotency-Key it is given', async (_name, write, _path, _body, answer) => {
    scripted = [problem(503, 'unavailable'), 'drop'];
    expect(await write(client(), { idempotencyKey: 'bank-ref-9' })).toEqual(answer);
    expect(idempotencyKeys()).toEqual(['bank-ref-9', 'bank-ref-9', 'bank-ref-9']);
    expect(authFailures).toEqual([]);
  });

  it.each([
    [writes[0][0], 409, 'payment_not_cancellable', writes[0][1]],
    [writes[1][0], 409, 'recall_pending', writes[1][1]],
    [writes[1][0], 409, 'payment_not_settled', writes[1][1]],
    [writes[2][0], 422, 'validation_failed', writes[2][1]],
    [writes[3][0], 422, 'return_exceeds_payment', writes[3][1]],
    [writes[4][0], 422, 'condition_not_met', writes[4][1]],
    [writes[4][0], 409, 'condition_expired', writes[4][1]],
    [writes[4][0], 409, 'payment_not_reserved', writes[4][1]],
  ])('%s: a %i %s problem is a NostroApiError with that code, not retried', async (_name, status, code, write) => {
    scripted = [problem(status, code)];
    const error = await write(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NostroApiError);
    expect(error).toMatchObject({ status, code, problem: { status, code, detail: `because ${code}` } });
    expect(server.received).toHaveLength(1);
  });

  it('cancelPayment without a reason sends an empty object', async () => {
    await client().cancelPayment(UETR);
    expect(server.received[0].rawBody.toString('utf8')).toBe('{}');
  });

  it('respondToRecall sends a rejection with its reason', async () => {
    await client().respondToRecall(UETR, { decision: 'reject', reason: 'NOAS' });
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ decision: 'reject', reason: 'NOAS' });
  });

  it('getReturnFinality and getIncomingReturnFinality fetch the return proof with signed GETs', async () => {
    const c = client();
    expect(await c.getReturnFinality(UETR, RETURN_ID)).toEqual(returnProof);
    expect(await c.getIncomingReturnFinality(UETR, RETURN_ID)).toEqual(returnProof);
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /v1/payments/${UETR}/returns/${RETURN_ID}/finality`,
      `GET /v1/incoming-payments/${UETR}/returns/${RETURN_ID}/finality`,
    ]);
    expect(server.received[0].headers['idempotency-key']).toBeUndefined();
    expect(authFailures).toEqual([]);
  });

  it('verifyReturnFinality fetches the keys and the proof and verifies it, outgoing or incoming', async () => {
    expect(await client().verifyReturnFinality(UETR, RETURN_ID)).toEqual({ ok: true, proof: returnProof });
    expect(await client().verifyReturnFinality(UETR, RETURN_ID, { incoming: true, keys: network.keys })).toEqual({ ok: true, proof: returnProof });
    expect(server.received.map((r) => r.url)).toEqual([
      '/v1/keys',
      `/v1/payments/${UETR}/returns/${RETURN_ID}/finality`,
      `/v1/incoming-payments/${UETR}/returns/${RETURN_ID}/finality`,
    ]);
  });

  it("verifyReturnFinality refuses the payment's own proof served for a return, and verifyFinality a return's", async () => {
    scripted = [{ status: 200, body: paymentProof }];
    expect(await client().verifyReturnFinality(UETR, RETURN_ID, { keys: network.keys })).toMatchObject({
      ok: false,
      reason: 'the proof is of another transaction',
    });
    scripted = [{ status: 200, body: returnProof }];
    expect(await client().verifyFinality(UETR, { keys: network.keys })).toMatchObject({ ok: false, reason: 'the proof is of another transaction' });
  });
});

describe("NostroClient: the bank's own keys", () => {
  const newKey = { keyId: 'BANKA001-2026', publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) };

  it('addKey POSTs the key, signed with the current key and a new UUID v4 Idempotency-Key, and returns it', async () => {
    expect(await client().addKey(newKey)).toEqual({ ...newKey, participant: 'BANKA001', createdAt: '2026-12-06T10:00:00.000Z', revokedAt: null });
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/keys/participant' });
    expect(JSON.parse(request.rawBody.toString('utf8'))).toEqual(newKey);
    expect(request.headers['idempotency-key']).toMatch(UUID_V4);
    expect(request.headers['signature-input']).toContain('keyid="BANKA001"');
    expect(authFailures).toEqual([]);
  });

  it('addKey retries a 503 with the Idempotency-Key it is given; a 409 key_exists is not retried', async () => {
    scripted = [problem(503, 'unavailable')];
    await client().addKey(newKey, { idempotencyKey: 'rotate-1' });
    expect(idempotencyKeys()).toEqual(['rotate-1', 'rotate-1']);
    server.received.length = 0;
    scripted = [problem(409, 'key_exists')];
    await expect(client().addKey(newKey)).rejects.toMatchObject({ status: 409, code: 'key_exists' });
    expect(server.received).toHaveLength(1);
  });

  it('revokeKey sends a signed DELETE once and resolves on 204; 409 last_key is thrown and not retried', async () => {
    await expect(client().revokeKey('BANKA001-2026')).resolves.toBeUndefined();
    expect(server.received.map((r) => [r.method, r.url, r.headers['idempotency-key']])).toEqual([['DELETE', '/v1/keys/participant/BANKA001-2026', undefined]]);
    server.received.length = 0;
    scripted = [problem(409, 'last_key')];
    await expect(client().revokeKey('BANKA001')).rejects.toMatchObject({ status: 409, code: 'last_key' });
    scripted = [problem(503, 'unavailable')];
    await expect(client().revokeKey('BANKA001')).rejects.toMatchObject({ status: 503 });
    expect(server.received).toHaveLength(2);
    expect(authFailures).toEqual([]);
  });

  it('encodes the key id as a path segment', async () => {
    await client()
      .revokeKey('a/b?c')
      .catch(() => undefined);
    expect(server.received[0].url).toBe('/v1/keys/participant/a%2Fb%3Fc');
  });
});

describe('NostroClient: account entries and statements', () => {
  it('getEntries sends a signed GET with the query as given and returns the page', async () => {
    const page = await client().getEntries('USD', { fromHeight: 2, toHeight: 4, limit: 2 });
    expect(page).toMatchObject({ data: ENTRIES.slice(0, 2), nextCursor: '2', echo: { fromHeight: '2', toHeight: '4', limit: '2' } });
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/accounts/USD/entries?fromHeight=2&toHeight=4&limit=2']);
    expect(server.received[0].headers.accept).toBe('application/json');
    expect(authFailures).toEqual([]);
  });

  it('allEntries follows nextCursor to the last page, 1,000 a page unless told otherwise', async () => {
    const all: AccountEntry[] = [];
    for await (const e of client().allEntries('USD', { limit: 2 })) all.push(e);
    expect(all).toEqual(ENTRIES);
    expect(server.received.map((r) => r.url)).toEqual([
      '/v1/accounts/USD/entries?limit=2',
      '/v1/accounts/USD/entries?limit=2&cursor=2',
      '/v1/accounts/USD/entries?limit=2&cursor=4',
    ]);
    server.received.length = 0;
    for await (const e of client().allEntries('USD', { fromHeight: 1 })) expect(e).toBeDefined();
    expect(server.received.map((r) => r.url)).toEqual(['/v1/accounts/USD/entries?limit=1000&fromHeight=1']);
  });

  it('getStatement asks for a day or a height range and returns the statement', async () => {
    expect(await client().getStatement('USD', { date: '2026-12-06' })).toEqual(statement);
    await client().getStatement('USD', { fromHeight: 1, toHeight: 5 });
    await client().getStatement('USD');
    expect(server.received.map((r) => r.url)).toEqual([
      '/v1/accounts/USD/statement?date=2026-12-06',
      '/v1/accounts/USD/statement?fromHeight=1&toHeight=5',
      '/v1/accounts/USD/statement',
    ]);
    expect(authFailures).toEqual([]);
  });

  it('getStatementXml asks for application/xml and returns the camt.053 text as received', async () => {
    expect(await client().getStatementXml('USD', { date: '2026-12-06' })).toBe(camt053);
    expect(server.received[0]).toMatchObject({ method: 'GET', url: '/v1/accounts/USD/statement?date=2026-12-06', headers: { accept: 'application/xml' } });
    expect(server.received[0].headers['content-type']).toBeUndefined();
    expect(authFailures).toEqual([]);
  });

  it('refuses a JSON answer where XML was asked for, and throws the problem of a refusal', async () => {
    scripted = [{ status: 200, body: statement }];
    await expect(client().getStatementXml('USD')).rejects.toMatchObject({ code: 'invalid_response', problem: { title: 'Response is not XML' } });
    await expect(client().getStatementXml('GBP')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(client().getEntries('GBP')).rejects.toBeInstanceOf(NostroApiError);
  });

  it('encodes the currency as a path segment', async () => {
    await expect(client().getStatement('U/D')).rejects.toMatchObject({ status: 404 });
    expect(server.received[0].url).toBe('/v1/accounts/U%2FD/statement');
  });
});

describe('NostroClient: ISO 20022', () => {
  it('sendPacs008 builds the document from a message, posts it as application/xml with a new Idempotency-Key, and reads the pacs.002', async () => {
    const answer = await client().sendPacs008(pacs008Message);
    expect(answer.xml).toBe(pacs002);
    expect(answer.report).toEqual(statusReport);
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/iso20022/pacs.008' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/xml', accept: 'application/xml', 'idempotency-key': expect.stringMatching(UUID_V4) });
    expect(request.headers['signature-input']).toContain('"@method" "@target-uri" "content-digest" "idempotency-key"');
    const sent = parsePacs008(request.rawBody.toString('utf8'));
    expect(sent.messageId).toBe('MSG-1');
    expect(sent.transactions.map((t) => [t.quoteId, t.uetr, t.endToEndId, t.debtor.name, t.creditor.name])).toEqual([
      ['q-0', UETR, 'E2E-0', 'Zoë Ångström', '山田 太郎'],
      ['q-1', undefined, 'E2E-1', 'Zoë Ångström', '山田 太郎'],
    ]);
    expect(authFailures).toEqual([]);
  });

  it('sendPacs008 sends a document given as text byte for byte, and retries a 503 and a drop with the same key', async () => {
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n<Document>any text, the gateway validates it: Zoë</Document>\n';
    scripted = [problem(503, 'unavailable'), 'drop'];
    const answer = await client().sendPacs008(text, { idempotencyKey: 'MSG-2026-12-06-001' });
    expect(answer.report.groupStatus).toBe('PART');
    expect(server.received.map((r) => r.rawBody.toString('utf8'))).toEqual([text, text, text]);
    expect(idempotencyKeys()).toEqual(['MSG-2026-12-06-001', 'MSG-2026-12-06-001', 'MSG-2026-12-06-001']);
    expect(authFailures).toEqual([]);
  });

  it('sendPacs008: a 400 problem is a NostroApiError, not retried', async () => {
    scripted = [problem(400, 'validation_failed')];
    await expect(client().sendPacs008('<Document/>')).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    expect(server.received).toHaveLength(1);
  });

  it('sendPacs008: an answer that is not a pacs.002 is invalid_response', async () => {
    scripted = [{ status: 202, headers: XML, body: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>' }];
    await expect(client().sendPacs008(pacs008Message)).rejects.toMatchObject({
      status: 202,
      code: 'invalid_response',
      problem: { title: 'Response is not a pacs.002.001.11' },
    });
  });

  it('getPaymentStatusXml and getIncomingPaymentXml ask for XML with signed GETs', async () => {
    const c = client();
    expect(await c.getPaymentStatusXml(UETR)).toEqual({ xml: pacs002, report: statusReport });
    expect(await c.getIncomingPaymentXml(UETR)).toBe('<Document>pacs.008</Document>');
    expect(server.received.map((r) => [r.method, r.url, r.headers.accept, r.headers['idempotency-key']])).toEqual([
      ['GET', `/v1/payments/${UETR}`, 'application/xml', undefined],
      ['GET', `/v1/incoming-payments/${UETR}`, 'application/xml', undefined],
    ]);
    expect(authFailures).toEqual([]);
  });
});
