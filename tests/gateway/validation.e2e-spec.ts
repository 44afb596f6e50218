import { randomUUID } from 'node:crypto';
import { adminClient, cluster, fundFxDesk } from '../support/cluster';
import { bankWithKey, paymentBody, raw, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

describe('validation: every field, RFC 9457 problems with field paths, never a 500', () => {
  let bank: Bank;
  let creditor: Bank;

  beforeAll(async () => {
    bank = await bankWithKey(['USD'], { deposits: { USD: '100.00' } });
    creditor = await bankWithKey(['EUR', 'JPY', 'BHD']);
    await fundFxDesk('EUR', '1000.00');
    await fundFxDesk('BHD', '1000.000');
  });

  const post = (path: string, body: string, extra: Record<string, string> = {}) =>
    signed({
      method: 'POST',
      path,
      body,
      keyId: bank.id,
      seed: bank.seed,
      headers: extra,
      idempotencyKey: path.startsWith('/v1/payments') ? randomUUID() : undefined,
    });
  const quote = (fields: Record<string, unknown>) =>
    post('/v1/quotes', JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id, ...fields }));

  async function expectInvalid(answer: ReturnType<typeof post>, paths: string[]) {
    const a = await answer;
    expect(a.status).toBe(400);
    expect(a.headers.get('content-type')).toContain('application/problem+json');
    expect(a.body.code).toBe('validation_failed');
    expect((a.body.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  }

  it('refuses amounts with more digits than the currency has, never rounding', async () => {
    await expectInvalid(quote({ sendAmount: '1.001' }), ['sendAmount']);
    await expectInvalid(quote({ sourceCurrency: 'USD', targetCurrency: 'JPY', sendAmount: undefined, receiveAmount: '1500.5' }), ['receiveAmount']);
    await expectInvalid(quote({ sourceCurrency: 'USD', targetCurrency: 'BHD', sendAmount: undefined, receiveAmount: '10.1255' }), ['receiveAmount']);
    expect((await quote({ sourceCurrency: 'USD', targetCurrency: 'BHD', sendAmount: undefined, receiveAmount: '10.125' })).status).toBe(201);
  });

  it('refuses a number instead of a string, negative and malformed amounts, and both or neither amount', async () => {
    await expectInvalid(quote({ sendAmount: 1 }), ['sendAmount']);
    await expectInvalid(quote({ sendAmount: '-1.00' }), ['sendAmount']);
    await expectInvalid(quote({ sendAmount: '1e3' }), ['sendAmount']);
    await expectInvalid(quote({ sendAmount: '0.00' }), ['sendAmount']);
    await expectInvalid(quote({ receiveAmount: '1.00' }), ['sendAmount']);
    await expectInvalid(quote({ sendAmount: undefined }), ['sendAmount']);
  });

  it('refuses currencies that are not ISO 4217 and participant ids that are not BIC-like', async () => {
    await expectInvalid(quote({ sourceCurrency: 'usd' }), ['sourceCurrency']);
    await expectInvalid(quote({ targetCurrency: 'XYZ' }), ['targetCurrency']);
    await expectInvalid(quote({ creditorParticipant: 'bank one' }), ['creditorParticipant']);
  });

  it('refuses unknown fields, naming them', async () => {
    await expectInvalid(quote({ rate: '1.2' }), ['(body)']);
    const answer = await post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), debtor: { name: 'A', account: '1', bic: 'X' } }));
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.errors)).toContain('bic');
  });

  it('checks lengths and characters of the payment fields, with paths', async () => {
    const long = (n: number) => 'x'.repeat(n);
    await expectInvalid(post('/v1/payments', JSON.stringify({ ...paymentBody('q_x', long(36)) })), ['endToEndId']);
    await expectInvalid(post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), debtor: { name: long(141), account: '1' } })), ['debtor.name']);
    await expectInvalid(post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), creditor: { name: 'B', account: long(35) } })), ['creditor.account']);
    await expectInvalid(post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), creditor: { name: 'B\nC', account: '1' } })), ['creditor.name']);
    await expectInvalid(post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), remittanceInfo: long(141) })), ['remittanceInfo']);
    await expectInvalid(post('/v1/payments', JSON.stringify({ endToEndId: 'E' })), ['quoteId', 'debtor', 'creditor']);
    expect((await post('/v1/payments', JSON.stringify({ ...paymentBody('q_x'), debtor: { name: long(140), account: long(34) } }))).body.code).toBe(
      'quote_not_found',
    );
  });

  it('validates query parameters and path UUIDs', async () => {
    const get = (path: string) => signed({ path, keyId: bank.id, seed: bank.seed });
    await expectInvalid(get('/v1/payments?limit=1001'), ['query.limit']);
    await expectInvalid(get('/v1/payments?status=DONE'), ['query.status']);
    await expectInvalid(get('/v1/payments?since=yesterday'), ['query.since']);
    await expectInvalid(get('/v1/payments?colour=blue'), ['query']);
    await expectInvalid(get('/v1/payments?cursor=bm90LWEtY3Vyc29y'), ['query.cursor']);
    await expectInvalid(get('/v1/payments/not-a-uuid'), ['path.uetr']);
    expect((await get(`/v1/payments/${randomUUID()}`)).status).toBe(404);
  });

  it('answers malformed JSON with 400 validation_failed', async () => {
    for (const body of ['{"quoteId":', '{bad json}', '{"__proto__":{"polluted":1}}']) {
      const a = await post('/v1/quotes', body);
      expect({ status: a.status, code: a.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    }
    for (const body of ['[]', 'null', '"text"', '42']) {
      const a = await post('/v1/quotes', body);
      expect({ status: a.status, code: a.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    }
  });

  it('answers a body of another media type with 415, whether parsed by Fastify or not', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const a = await post('/v1/quotes', JSON.stringify({ a: 1 }), { 'content-type': type });
      expect({ type, status: a.status, code: a.body.code }).toEqual({ type, status: 415, code: 'unsupported_media_type' });
      expect(a.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('answers a body over 1 MiB with 413, and one just under it is parsed', async () => {
    const big = JSON.stringify({ payments: [], pad: 'x'.repeat(1024 * 1024) });
    const a = await post('/v1/payments/batch', big);
    expect({ status: a.status, code: a.body.code }).toEqual({ status: 413, code: 'payload_too_large' });
    const under = JSON.stringify({ quotes: [], pad: 'x'.repeat(1024 * 1024 - 100) });
    const b = await post('/v1/quotes/batch', under);
    expect({ status: b.status, code: b.body.code }).toEqual({ status: 400, code: 'validation_failed' });
  });

  it('answers unknown routes and methods with problems, not 500', async () => {
    const notFound = await raw({ path: '/v1/nothing-here' });
    expect({ status: notFound.status, code: notFound.body.code }).toEqual({ status: 404, code: 'not_found' });
    const admin = await raw({
      method: 'POST',
      path: '/v1/admin/operators',
      body: '{"name":',
      headers: { authorization: `Bearer ${cluster().adminToken}`, 'content-type': 'application/json' },
    });
    expect(admin.status).toBe(400);
  });

  it('validates operator bodies too', async () => {
    await expect(adminClient().deposit(bank.id, { currency: 'USD', amount: '1.001', reference: 'r' })).rejects.toMatchObject({
      status: 400,
      problem: { errors: [expect.objectContaining({ path: 'amount' })] },
    });
    await expect(adminClient().deposit(bank.id, { currency: 'US', amount: '1.00', reference: 'r' })).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    await expect(adminClient().createOperator({ name: 'x', role: 'root' as never })).rejects.toMatchObject({
      status: 400,
      problem: { errors: [expect.objectContaining({ path: 'role' })] },
    });
  });
});
