/**
 * The bank client against a local HTTP server that checks every request's RFC 9421 signature with the
 * gateway's own `verifyRequest`: a real signed round trip over 127.0.0.1.
 */
import {
  base64UrlEncode,
  blockHash,
  canonicalJson,
  generateEd25519KeyPair,
  genesisPrevHash,
  merkleTreeProofs,
  signBlock,
  verifyFinalityProof,
  verifyRequest,
} from '@nostro/shared-node';
import { NostroApiError, NostroNetworkError } from './nostro-api.error';
import { NostroClient } from './nostro.client';
import { startLocalServer, type LocalServer, type ReceivedRequest, type Reply } from './testing/local-server';
import type { CreatePaymentRequest, Quote } from './types';

const bank = generateEd25519KeyPair();
const validators = ['v0', 'v1', 'v2'].map((id) => ({ id, keys: generateEd25519KeyPair() }));
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UETR = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

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

function finalityProof() {
  const transaction = { id: 'tx-1', uetr: UETR, postings: [], outcome: { status: 'accepted' } };
  const others = [1, 2].map((i) => ({ id: `tx-${i + 1}`, uetr: UETR, postings: [], outcome: { status: 'accepted' } }));
  const tree = merkleTreeProofs([transaction, ...others].map((tx) => new TextEncoder().encode(canonicalJson(tx))));
  const header = { height: 3, prevHash: genesisPrevHash('nostro-test'), merkleRoot: tree.root, stateDigest: 'aa'.repeat(32), txCount: 3, timestamp: 1 };
  const hash = blockHash(header);
  const signatures = validators.map(({ id, keys }) => ({ validator: id, signature: signBlock(hash, keys.seed) }));
  return { block: { ...header, hash }, signatures, quorum: 2, transaction, proof: tree.proofs[0] };
}

function route(request: ReceivedRequest): Reply {
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  const body = (request.rawBody.length > 0 ? JSON.parse(request.rawBody.toString('utf8')) : {}) as Parameters<typeof quoteFor>[0];
  if (pathname === '/v1/keys') {
    const keys = validators.map(({ id, keys: k }) => ({ id, publicKey: base64UrlEncode(k.publicKey) }));
    return { status: 200, body: { network: { keyid: 'nostro', publicKey: keys[0].publicKey }, validators: keys, quorum: 2 } };
  }
  if (pathname === '/v1/quotes') return { status: 201, body: quoteFor(body) };
  if (pathname === '/v1/payments' && request.method === 'POST') return { status: 202, body: { uetr: UETR, status: 'RECEIVED' } };
  if (pathname === '/v1/payments') return { status: 200, body: { data: [], nextCursor: null, echo: Object.fromEntries(searchParams) } };
  if (pathname === `/v1/payments/${UETR}`) return { status: 200, body: { uetr: UETR, status: 'SETTLED', timeline: [] } };
  if (pathname === `/v1/payments/${UETR}/finality`) return { status: 200, body: finalityProof() };
  if (pathname === '/v1/accounts') return { status: 200, body: { data: [{ currency: 'USD', balance: '100.00', available: '90.00' }] } };
  return problem(404, 'not_found');
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
