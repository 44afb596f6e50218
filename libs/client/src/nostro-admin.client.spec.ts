import { NostroApiError } from './nostro-api.error';
import { NostroAdminClient } from './nostro-admin.client';
import { isPendingApproval } from './types';
import { startLocalServer, type LocalServer, type Reply } from './testing/local-server';

const TOKEN = 'op-token-123';
let server: LocalServer;
let scripted: Reply[] = [];

beforeAll(async () => {
  server = await startLocalServer((request) => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      return {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
        body: { type: 'about:blank', title: 'Forbidden', status: 401, code: 'forbidden' },
      };
    }
    const next = scripted.shift();
    if (next !== undefined) return next;
    const body = request.rawBody.length > 0 ? (JSON.parse(request.rawBody.toString('utf8')) as Record<string, unknown>) : {};
    return { status: request.method === 'PUT' ? 200 : 201, body: { ...body, echoPath: request.url } };
  });
});

afterAll(() => server.close());

beforeEach(() => {
  server.received.length = 0;
  scripted = [];
});

const admin = (token = TOKEN) => new NostroAdminClient({ baseUrl: server.baseUrl, token, retry: { baseDelayMs: 1 } });

describe('NostroAdminClient', () => {
  it('creates a participant with the bearer token', async () => {
    const participant = { id: 'BANKA001', name: 'Bank A', currencies: ['USD', 'EUR'], publicKey: 'A'.repeat(43) };
    expect(await admin().createParticipant(participant)).toMatchObject({ ...participant, echoPath: '/v1/admin/participants' });
    expect(server.received[0].method).toBe('POST');
    expect(server.received[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('registers a participant with an Idempotency-Key, reused when a 5xx or a lost connection is retried', async () => {
    const participant = { id: 'BANKA002', name: 'Bank A2', currencies: ['USD'], publicKey: 'B'.repeat(43) };
    scripted = [{ status: 503, body: { type: 'x', title: 'x', status: 503, code: 'service_unavailable' } }];
    expect(await admin().createParticipant(participant)).toMatchObject(participant);
    const keys = server.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    // A connection the server closes before answering (a keep-alive socket closed as it was reused) is retried too.
    server.received.length = 0;
    let first = true;
    const closing: typeof fetch = (input, init) => {
      if (!first) return fetch(input, init);
      first = false;
      return Promise.reject(new TypeError('fetch failed', { cause: new Error('other side closed') }));
    };
    const client = new NostroAdminClient({ baseUrl: server.baseUrl, token: TOKEN, retry: { baseDelayMs: 1 }, fetch: closing });
    await client.createParticipant(participant, { idempotencyKey: 'reg-1' });
    expect(server.received.map((r) => r.headers['idempotency-key'])).toEqual(['reg-1']);
  });

  it('deposits with the given Idempotency-Key, amount as a string', async () => {
    const result = await admin().deposit('BANKA001', { currency: 'USD', amount: '1000000.00', reference: 'seed' }, { idempotencyKey: 'dep-1' });
    expect(result).toMatchObject({ amount: '1000000.00', echoPath: '/v1/admin/participants/BANKA001/deposits' });
    expect(server.received[0].headers['idempotency-key']).toBe('dep-1');
  });

  it('generates an Idempotency-Key for a deposit when none is given, and reuses it on retry', async () => {
    scripted = [
      {
        status: 409,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
        body: { type: 'x', title: 'x', status: 409, code: 'idempotency_in_progress' },
      },
    ];
    await admin().deposit('BANKA001', { currency: 'USD', amount: '1.00', reference: 'r' });
    const keys = server.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('withdraws', async () => {
    await admin().withdraw('BANKA001', { currency: 'USD', amount: '5.00', reference: 'w' }, { idempotencyKey: 'w-1' });
    expect(server.received[0].url).toBe('/v1/admin/participants/BANKA001/withdrawals');
  });

  it('sets limits with PUT', async () => {
    const limits = { currency: 'USD', netDebitCap: '0.00', holdAbove: null };
    expect(await admin().setLimits('BANKA001', limits)).toMatchObject(limits);
    expect(server.received[0]).toMatchObject({ method: 'PUT', url: '/v1/admin/participants/BANKA001/limits' });
  });

  it('reads the liquidity queues with their filters, and cancels a payment with an Idempotency-Key reused on retry', async () => {
    scripted = [{ status: 200, body: { height: 9, at: '2026-12-07T10:00:00.000Z', data: [], nextCursor: null } }];
    expect(await admin().queues({ participant: 'BANKA001', currency: 'USD', limit: 10 })).toMatchObject({ height: 9, data: [] });
    expect(server.received[0]).toMatchObject({ method: 'GET', url: '/v1/admin/queues?participant=BANKA001&currency=USD&limit=10' });
    server.received.length = 0;
    const uetr = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
    scripted = [
      {
        status: 503,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
        body: { type: 'x', title: 'x', status: 503, code: 'service_unavailable' },
      },
      { status: 200, body: { uetr, status: 'CANCELLED' } },
    ];
    expect(await admin().cancelPayment(uetr, { reason: 'stuck for an hour' })).toEqual({ uetr, status: 'CANCELLED' });
    expect(server.received.map((r) => [r.method, r.url])).toEqual([
      ['POST', `/v1/admin/payments/${uetr}/cancel`],
      ['POST', `/v1/admin/payments/${uetr}/cancel`],
    ]);
    expect(server.received[1].headers['idempotency-key']).toBe(server.received[0].headers['idempotency-key']);
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ reason: 'stuck for an hour' });
  });

  it('creates an operator', async () => {
    scripted = [{ status: 201, body: { id: 'op-2', token: 'secret' } }];
    expect(await admin().createOperator({ name: 'Ops', role: 'approver' })).toEqual({ id: 'op-2', token: 'secret' });
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ name: 'Ops', role: 'approver' });
  });

  it('throws NostroApiError for a refused token, and trims the token it reads from a file', async () => {
    await expect(admin('wrong').createOperator({ name: 'x', role: 'viewer' })).rejects.toMatchObject({ status: 401, code: 'forbidden' });
    await expect(admin(`${TOKEN}\n`).createOperator({ name: 'x', role: 'viewer' })).resolves.toBeDefined();
  });

  it('does not retry a non-idempotent admin call', async () => {
    scripted = [{ status: 503, body: { type: 'x', title: 'x', status: 503, code: 'unavailable' } }];
    await expect(admin().createOperator({ name: 'x', role: 'viewer' })).rejects.toBeInstanceOf(NostroApiError);
    expect(server.received).toHaveLength(1);
  });
});

const REQUEST_ID = '6f0c6a63-8a0e-4a43-9d0c-2b7c5e1a9d11';
const held = { requestId: REQUEST_ID, status: 'PENDING_APPROVAL', action: 'admin.participants.deposits.post', expiresAt: '2026-12-07T10:00:00.000Z' };

describe('NostroAdminClient: dual control', () => {
  it('tells a call held for a second admin (202 PENDING_APPROVAL) from its result', async () => {
    scripted = [{ status: 202, body: held }];
    const answer = await admin().deposit('BANKA001', { currency: 'USD', amount: '1.00', reference: 'r' });
    expect(isPendingApproval(answer)).toBe(true);
    expect(isPendingApproval({ currency: 'USD', balance: '1.00', status: 'SETTLED' })).toBe(false);
    expect(isPendingApproval({ status: 'PENDING_APPROVAL' })).toBe(false);
    expect(isPendingApproval(null)).toBe(false);
  });

  it('lists held requests with the status filter and page options as query parameters', async () => {
    scripted = [{ status: 200, body: { data: [], nextCursor: null } }];
    expect(await admin().requests({ status: 'PENDING_APPROVAL', limit: 10, cursor: 'c+1' })).toEqual({ data: [], nextCursor: null });
    expect(server.received[0]).toMatchObject({ method: 'GET', url: '/v1/admin/requests?status=PENDING_APPROVAL&limit=10&cursor=c%2B1' });
    scripted = [{ status: 200, body: { data: [], nextCursor: null } }];
    await admin().requests();
    expect(server.received[1].url).toBe('/v1/admin/requests');
  });

  it('reads one request', async () => {
    scripted = [{ status: 200, body: { ...held, status: 'APPROVED', result: { status: 201, body: {} } } }];
    expect(await admin().getRequest(REQUEST_ID)).toMatchObject({ requestId: REQUEST_ID, status: 'APPROVED' });
    expect(server.received[0]).toMatchObject({ method: 'GET', url: `/v1/admin/requests/${REQUEST_ID}` });
  });

  it("approves with an optional comment and returns the held call's own answer", async () => {
    scripted = [{ status: 201, body: { type: 'deposit', currency: 'USD', balance: '250.00' } }];
    expect(await admin().approveRequest(REQUEST_ID, 'checked the SWIFT confirmation')).toEqual({ type: 'deposit', currency: 'USD', balance: '250.00' });
    expect(server.received[0]).toMatchObject({ method: 'POST', url: `/v1/admin/requests/${REQUEST_ID}/approve` });
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ comment: 'checked the SWIFT confirmation' });
    await admin().approveRequest(REQUEST_ID);
    expect(JSON.parse(server.received[1].rawBody.toString('utf8'))).toEqual({});
  });

  it('rejects with a comment and returns the request', async () => {
    scripted = [{ status: 200, body: { ...held, status: 'REJECTED', comment: 'not on the list' } }];
    expect(await admin().rejectRequest(REQUEST_ID, 'not on the list')).toMatchObject({ status: 'REJECTED', comment: 'not on the list' });
    expect(server.received[0]).toMatchObject({ method: 'POST', url: `/v1/admin/requests/${REQUEST_ID}/reject` });
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ comment: 'not on the list' });
  });

  it('throws 403 four_eyes_required and never retries a decision, even after a 503', async () => {
    scripted = [
      { status: 403, headers: { 'content-type': 'application/problem+json' }, body: { type: 'x', title: 'x', status: 403, code: 'four_eyes_required' } },
    ];
    await expect(admin().approveRequest(REQUEST_ID)).rejects.toMatchObject({ status: 403, code: 'four_eyes_required' });
    scripted = [{ status: 503, body: { type: 'x', title: 'x', status: 503, code: 'service_unavailable' } }];
    await expect(admin().rejectRequest(REQUEST_ID)).rejects.toBeInstanceOf(NostroApiError);
    expect(server.received).toHaveLength(2);
  });
});
