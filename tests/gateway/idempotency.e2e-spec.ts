import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { cluster, fundFxDesk, withDb } from '../support/cluster';
import { bankWithKey, finalStatus, paymentBody, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

describe('idempotency (API.md): keys kept in Postgres, one payment per key', () => {
  let bank: Bank;
  let creditor: Bank;

  beforeAll(async () => {
    bank = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    creditor = await bankWithKey(['EUR']);
    await fundFxDesk('EUR', '10000.00');
  });

  const newQuote = () => bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
  const pay = (body: unknown, key?: string) =>
    signed({ method: 'POST', path: '/v1/payments', body: JSON.stringify(body), keyId: bank.id, seed: bank.seed, idempotencyKey: key });
  /** How many of the bank's payments (GET /v1/payments, every page) used the quote. */
  const paymentsWithQuote = async (quoteId: string) => {
    let n = 0;
    for await (const payment of bank.client.allPayments()) if (payment.quote.id === quoteId) n++;
    return n;
  };

  it('requires an Idempotency-Key on POST /v1/payments and /v1/payments/batch', async () => {
    const a = await pay(paymentBody('q_whatever'));
    expect({ status: a.status, code: a.body.code }).toEqual({ status: 400, code: 'idempotency_key_required' });
    const b = await signed({ method: 'POST', path: '/v1/payments/batch', body: JSON.stringify({ payments: [] }), keyId: bank.id, seed: bank.seed });
    expect({ status: b.status, code: b.body.code }).toEqual({ status: 400, code: 'idempotency_key_required' });
  });

  it('replays the stored status and body for the same key and body, marked Idempotent-Replayed', async () => {
    const quote = await newQuote();
    const key = randomUUID();
    const body = paymentBody(quote.id);
    const first = await pay(body, key);
    expect(first.status).toBe(202);
    const again = await pay(body, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await paymentsWithQuote(quote.id)).toBe(1);
    expect((await finalStatus(bank.client, String(first.body.uetr))).status).toBe('SETTLED');
  });

  it('answers 409 idempotency_conflict when the same key comes with another body', async () => {
    const quote = await newQuote();
    const key = randomUUID();
    expect((await pay(paymentBody(quote.id, 'E2E-A'), key)).status).toBe(202);
    const conflict = await pay(paymentBody(quote.id, 'E2E-B'), key);
    expect({ status: conflict.status, code: conflict.body.code }).toEqual({ status: 409, code: 'idempotency_conflict' });
  });

  it('replays a refusal too: the same key never turns a 4xx into a payment later', async () => {
    const key = randomUUID();
    const body = paymentBody('q_does_not_exist');
    const first = await pay(body, key);
    expect(first.body.code).toBe('quote_not_found');
    const again = await pay(body, key);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('50 concurrent requests with one key create one payment; the others see it or 409 idempotency_in_progress', async () => {
    const quote = await newQuote();
    const key = randomUUID();
    const body = paymentBody(quote.id);
    const answers = await Promise.all(Array.from({ length: 50 }, () => pay(body, key)));
    const accepted = answers.filter((a) => a.status === 202);
    const inProgress = answers.filter((a) => a.status === 409);
    expect(accepted.length + inProgress.length).toBe(50);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((a) => a.body.uetr)).size).toBe(1);
    for (const a of inProgress) {
      expect(a.body.code).toBe('idempotency_in_progress');
      expect(a.headers.get('retry-after')).toBe('1');
    }
    expect(await paymentsWithQuote(quote.id)).toBe(1);
    // The SDK retries idempotency_in_progress with the same key and ends with the one payment.
    const viaSdk = await Promise.all(Array.from({ length: 5 }, () => bank.client.createPayment(body, { idempotencyKey: key, retries: 5 })));
    expect(new Set(viaSdk.map((p) => p.uetr))).toEqual(new Set([accepted[0].body.uetr]));
    expect(await paymentsWithQuote(quote.id)).toBe(1);
  });

  it('scopes keys per participant: another bank may use the same key', async () => {
    const other = await bankWithKey(['USD'], { deposits: { USD: '10.00' } });
    const key = randomUUID();
    const q1 = await newQuote();
    const q2 = await other.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
    const p1 = await bank.client.createPayment(paymentBody(q1.id), { idempotencyKey: key });
    const p2 = await other.client.createPayment(paymentBody(q2.id), { idempotencyKey: key });
    expect(p1.uetr).not.toBe(p2.uetr);
  });

  it('keeps keys in Postgres with the response, not in Redis: a replay still answers once Redis lost everything', async () => {
    const quote = await newQuote();
    const key = randomUUID();
    const body = paymentBody(quote.id);
    const first = await pay(body, key);
    expect(first.status).toBe(202);
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    try {
      await redis.connect();
      const keys = await redis.keys(`${cluster().redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    const again = await pay(body, key);
    expect({ status: again.status, replayed: again.headers.get('idempotent-replayed'), uetr: again.body.uetr }).toEqual({
      status: 202,
      replayed: 'true',
      uetr: first.body.uetr,
    });
    expect(await paymentsWithQuote(quote.id)).toBe(1);
  });

  /** As if the attempt holding `key` died after recording its payments but before storing its answer. */
  const abandon = (key: string) =>
    withDb('gateway', (db) =>
      db.query(
        `UPDATE idempotency_keys SET state = 'in_progress', response_status = NULL, response_body = NULL, locked_until = now() - interval '1 second'
          WHERE participant = $1 AND idempotency_key = $2`,
        [bank.id, key],
      ),
    );

  it('lets a retry take over an abandoned attempt: it finds the payment already recorded and pays nothing twice', async () => {
    const quote = await newQuote();
    const key = randomUUID();
    const body = paymentBody(quote.id);
    const first = await pay(body, key);
    expect(first.status).toBe(202);
    await abandon(key);
    const retry = await pay(body, key);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.uetr).toBe(first.body.uetr);
    expect(await paymentsWithQuote(quote.id)).toBe(1);
    // The takeover stored its answer: the next repeat is a replay.
    expect((await pay(body, key)).headers.get('idempotent-replayed')).toBe('true');
  });

  it('lets a retry take over an abandoned batch: every item already recorded is answered, none paid twice', async () => {
    const quotes = [await newQuote(), await newQuote()];
    const key = randomUUID();
    const body = JSON.stringify({ payments: quotes.map((q, i) => paymentBody(q.id, `E2E-TAKEOVER-${i}`)) });
    const batch = () => signed({ method: 'POST', path: '/v1/payments/batch', body, keyId: bank.id, seed: bank.seed, idempotencyKey: key });
    const first = await batch();
    expect(first.status).toBe(202);
    await abandon(key);
    const retry = await batch();
    expect(retry.status).toBe(202);
    expect((retry.body.results as { uetr: string }[]).map((r) => r.uetr)).toEqual((first.body.results as { uetr: string }[]).map((r) => r.uetr));
    for (const q of quotes) expect(await paymentsWithQuote(q.id)).toBe(1);
  });

  it('honours a key on POST /v1/quotes: the same quote comes back', async () => {
    const key = randomUUID();
    const body = JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '2.00', creditorParticipant: creditor.id });
    const a = await signed({ method: 'POST', path: '/v1/quotes', body, keyId: bank.id, seed: bank.seed, idempotencyKey: key });
    const b = await signed({ method: 'POST', path: '/v1/quotes', body, keyId: bank.id, seed: bank.seed, idempotencyKey: key });
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
  });
});
