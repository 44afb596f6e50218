import { NostroAdminClient, NostroClient } from '@nostro/client';
import { adminClient, cluster, eventually, fundFxDesk } from '../support/cluster';
import { bankWithKey, freePort, paymentBody, signed, startGateway, startReceiver } from './support/gateway';

describe('a gateway restart loses nothing it answered 202 for', () => {
  beforeAll(async () => {
    await fundFxDesk('EUR', '100000.00');
  });

  it('settles every payment accepted just before the gateway was killed (SIGKILL), and serves them after restart', async () => {
    const debtor = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    const creditor = await bankWithKey(['EUR']);
    const quotes = await debtor.client.createQuotes(
      Array.from({ length: 20 }, () => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id })),
    );
    const gateway = await startGateway({}, 50);
    const client = new NostroClient({ baseUrl: gateway.url, participantId: debtor.id, seed: debtor.seed, retry: { retries: 0 } });
    // Payments stream in; the process is killed while they do. Every 202 it gave must survive.
    const accepted: string[] = [];
    const inFlight = quotes.results.map(async (q, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 15));
      try {
        accepted.push((await client.createPayment(paymentBody((q as { id: string }).id, `RESTART-${i}`))).uetr);
      } catch {
        // refused or cut off by the kill: no promise was made for these
      }
    });
    await eventually(
      async () => accepted.length,
      (n) => n >= 5,
      20_000,
    );
    gateway.child.kill('SIGKILL');
    await Promise.all(inFlight);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    const restarted = await startGateway({}, 50);
    try {
      const again = new NostroClient({ baseUrl: restarted.url, participantId: debtor.id, seed: debtor.seed });
      for (const uetr of accepted) {
        const payment = await eventually(
          () => again.getPayment(uetr),
          (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
          60_000,
        );
        expect({ uetr, status: payment.status }).toEqual({ uetr, status: 'SETTLED' });
      }
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  }, 180_000);
});

describe('rate limiting per participant (Redis token bucket)', () => {
  it('answers 429 rate_limited with Retry-After past the limit, per participant, then lets requests through again', async () => {
    // A slow refill (1/s): even on a loaded machine, where 20 requests can take seconds, the bucket cannot refill
    // fast enough to let them all through.
    const gateway = await startGateway({ RATE_LIMIT_PER_S: '1', RATE_LIMIT_BURST: '5' }, 55);
    try {
      const bank = await bankWithKey(['USD']);
      const other = await bankWithKey(['USD']);
      const get = (b: typeof bank) => signed({ path: '/v1/accounts', keyId: b.id, seed: b.seed, baseUrl: gateway.url });
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(bank)));
      const elapsedS = (Date.now() - started) / 1000;
      const limited = answers.filter((a) => a.status === 429);
      const allowed = answers.filter((a) => a.status === 200).length;
      // A burst of 5, refilled at 1/s while the 20 requests were being served.
      expect(allowed).toBeGreaterThanOrEqual(5);
      expect(allowed).toBeLessThanOrEqual(5 + Math.ceil(elapsedS));
      expect(limited.length).toBe(20 - allowed);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited[0].body).toMatchObject({ code: 'rate_limited', status: 429 });
      expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await get(other)).status).toBe(200); // another participant has its own bucket
      // The bucket refills at 1 request/s.
      expect(
        (
          await eventually(
            () => get(bank),
            (r) => r.status === 200,
            5_000,
          )
        ).status,
      ).toBe(200);
      // The SDK surfaces the wait.
      const sdk = new NostroClient({ baseUrl: gateway.url, participantId: bank.id, seed: bank.seed });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => sdk.getAccounts()));
      const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused?.reason).toMatchObject({ status: 429, code: 'rate_limited', retryAfterMs: expect.any(Number) });
    } finally {
      await gateway.stop();
    }
  }, 90_000);
});

describe('abandoned webhooks', () => {
  it('gives up past the configured age, shows it to operators, and an operator redelivers it', async () => {
    const gateway = await startGateway({ WEBHOOK_GIVE_UP_AFTER_MS: '1000', WEBHOOK_BACKOFF_BASE_MS: '200', WEBHOOK_POLL_MS: '100' }, 60);
    try {
      const port = await freePort();
      const debtor = await bankWithKey(['USD'], { deposits: { USD: '10.00' }, webhookUrl: `http://127.0.0.1:${port}/hook` });
      const creditor = await bankWithKey(['EUR']);
      const q = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
      await debtor.client.createPayment(paymentBody(q.id));
      const admin = adminClient();
      const abandoned = await eventually(
        () => admin.webhookDeliveries({ participant: debtor.id }),
        (p) => p.data[0]?.status === 'abandoned',
        60_000,
      );
      expect(abandoned.data[0]).toMatchObject({ status: 'abandoned', nextAttemptAt: null });
      expect((await admin.webhookEndpoints()).data.find((e) => e.participant === debtor.id)).toMatchObject({ state: 'failing', abandoned: 1 });
      const hook = await startReceiver(port);
      try {
        const operator = new NostroAdminClient({ baseUrl: gateway.url, token: cluster().adminToken });
        expect(await operator.redeliverWebhook(abandoned.data[0].id)).toMatchObject({ status: 'pending' });
        await eventually(
          () => admin.webhookDelivery(abandoned.data[0].id),
          (d) => d.status === 'delivered',
          20_000,
        );
        expect(hook.received).toHaveLength(1);
      } finally {
        await hook.close();
      }
    } finally {
      await gateway.stop();
    }
  }, 120_000);
});
