import { WebhookEvent, verifyPaymentFinality, verifyWebhook } from '@nostro/client';
import { adminClient, cluster, eventually, fundFxDesk } from '../support/cluster';
import { bankWithKey, finalStatus, freePort, paymentBody, startReceiver } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

async function verified(receiver: Awaited<ReturnType<typeof startReceiver>>, networkPublicKey: string): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  for (const r of receiver.received) {
    const verdict = await verifyWebhook({ method: r.method, url: receiver.url, headers: r.headers, body: r.body }, { networkPublicKey });
    if (!verdict.ok) throw new Error(`webhook did not verify: ${verdict.code} ${verdict.detail}`);
    events.push(verdict.event);
  }
  return events;
}

describe('webhooks: signed with the network key, from a durable outbox, retried until delivered', () => {
  let networkKey: string;

  beforeAll(async () => {
    await fundFxDesk('EUR', '100000.00');
  });

  it('tells the debtor payment.settled and the creditor payment.received with a proof that verifies', async () => {
    const debtorHook = await startReceiver();
    const creditorHook = await startReceiver();
    try {
      const debtor = await bankWithKey(['USD'], { deposits: { USD: '100.00' }, webhookUrl: debtorHook.url });
      const creditor = await bankWithKey(['EUR'], { webhookUrl: creditorHook.url });
      const keys = await debtor.client.getKeys();
      networkKey = keys.network.publicKey;
      const q = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: creditor.id });
      const { uetr } = await debtor.client.createPayment(paymentBody(q.id));
      expect((await finalStatus(debtor.client, uetr)).status).toBe('SETTLED');
      await eventually(
        async () => debtorHook.received.length + creditorHook.received.length,
        (n) => n >= 2,
        20_000,
      );
      const [settled] = await verified(debtorHook, networkKey);
      expect(settled).toMatchObject({ type: 'payment.settled', data: { payment: { uetr, status: 'SETTLED' } } });
      const [received] = await verified(creditorHook, networkKey);
      expect(received).toMatchObject({ type: 'payment.received', data: { payment: { uetr, status: 'SETTLED', debtor: { name: 'Alice Example' } } } });
      expect(verifyPaymentFinality(uetr, received.data.finality as never, keys)).toEqual({ ok: true });
      expect(creditorHook.received[0].headers['signature-input']).toContain('keyid="nostro"');
      // A webhook whose body was changed, or sent to another URL, does not verify.
      const r = creditorHook.received[0];
      const tampered = await verifyWebhook(
        { method: 'POST', url: creditorHook.url, headers: r.headers, body: r.body.replace('SETTLED', 'REJECTED') },
        { networkPublicKey: networkKey },
      );
      expect(tampered).toMatchObject({ ok: false, code: 'digest_mismatch' });
      const elsewhere = await verifyWebhook(
        { method: 'POST', url: 'http://127.0.0.1:1/other', headers: r.headers, body: r.body },
        { networkPublicKey: networkKey },
      );
      expect(elsewhere).toMatchObject({ ok: false, code: 'signature_invalid' });
      const otherKey = await verifyWebhook(
        { method: 'POST', url: creditorHook.url, headers: r.headers, body: r.body },
        { networkPublicKey: keys.validators[0].publicKey },
      );
      expect(otherKey).toMatchObject({ ok: false, code: 'signature_invalid' });
    } finally {
      await debtorHook.close();
      await creditorHook.close();
    }
  });

  it('tells the debtor payment.rejected with the ledger reason', async () => {
    const hook = await startReceiver();
    try {
      const debtor = await bankWithKey(['USD'], { deposits: { USD: '1.00' }, webhookUrl: hook.url });
      const creditor = await bankWithKey(['EUR']);
      const q = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '50.00', creditorParticipant: creditor.id });
      const { uetr } = await debtor.client.createPayment(paymentBody(q.id));
      expect((await finalStatus(debtor.client, uetr)).status).toBe('REJECTED');
      await eventually(
        async () => hook.received.length,
        (n) => n >= 1,
        20_000,
      );
      const [event] = await verified(hook, (await debtor.client.getKeys()).network.publicKey);
      expect(event).toMatchObject({ type: 'payment.rejected', data: { payment: { uetr, status: 'REJECTED', reason: 'insufficient_funds' } } });
    } finally {
      await hook.close();
    }
  });

  it('redelivers after the receiver was down, shows the failing endpoint to operators meanwhile, and delivers once up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/webhooks/nostro`;
    const debtor: Bank = await bankWithKey(['USD'], { deposits: { USD: '100.00' }, webhookUrl: url });
    const creditor = await bankWithKey(['EUR']);
    const q = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '5.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment(paymentBody(q.id));
    await finalStatus(debtor.client, uetr);
    const admin = adminClient();
    // Down: attempts fail and back off (0.25 s, 0.5 s, 1 s, … with jitter on the test cluster) until the endpoint is reported failing.
    const endpoint = await eventually(
      async () => (await admin.webhookEndpoints()).data.find((e) => e.participant === debtor.id),
      (e) => e?.state === 'failing',
      60_000,
    );
    expect(endpoint).toMatchObject({ participant: debtor.id, webhookUrl: url, state: 'failing', pending: 1 });
    expect(endpoint?.lastError).toBeTruthy();
    const pending = await admin.webhookDeliveries({ participant: debtor.id });
    expect(pending.data).toEqual([expect.objectContaining({ type: 'payment.settled', uetr, status: 'pending', attempts: expect.any(Number) })]);
    expect(pending.data[0].attempts).toBeGreaterThanOrEqual(5);
    const metrics = await (await fetch(`${cluster().gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_webhook_attempts_total\{result="failed"\} [1-9]/);
    // Up: the next automatic retry gets through, with exactly this event.
    const hook = await startReceiver(port);
    try {
      await eventually(
        async () => hook.received.length,
        (n) => n >= 1,
        60_000,
      );
      const [event] = await verified(hook, (await debtor.client.getKeys()).network.publicKey);
      expect(event).toMatchObject({ id: pending.data[0].id, type: 'payment.settled', data: { payment: { uetr } } });
      const delivered = await eventually(
        () => admin.webhookDelivery(pending.data[0].id),
        (d) => d.status === 'delivered',
        10_000,
      );
      expect(delivered).toMatchObject({ status: 'delivered', lastStatus: 200 });
      expect(delivered.attempts).toBeGreaterThanOrEqual(6);
      expect((await admin.webhookEndpoints()).data.find((e) => e.participant === debtor.id)).toMatchObject({ state: 'healthy', pending: 0 });
      // Redelivery is for what was not delivered.
      await expect(admin.redeliverWebhook(pending.data[0].id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await hook.close();
    }
  }, 150_000);
});
