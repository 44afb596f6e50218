import { NostroApiError } from './nostro-api.error';
import { NostroAdminClient } from './nostro-admin.client';
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
