import { NostroAdminClient, NostroClient } from '@nostro/client';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cluster, consistently, eventually, fundFxDesk, uniqueParticipantId, withDb } from '../support/cluster';
import { GatewayProcess, Receiver, parties, paymentBody, startGateway, startReceiver } from './support/gateway';

/**
 * A gateway with WEBHOOK_ALLOW_PRIVATE=off (production's setting) on a database of its own, so that it alone delivers
 * its webhooks (the test cluster's gateway runs with `on`, its receivers being on 127.0.0.1, and would deliver them).
 */
const DB_SUFFIX = 'gwegress';
const SANCTIONED = 'Ivan Petrov';

describe('webhook egress: private destinations refused when set and at delivery (WEBHOOK_ALLOW_PRIVATE=off)', () => {
  let dir: string;
  let database: string;
  let gateway: GatewayProcess;
  let admin: NostroAdminClient;
  let receiver: Receiver;

  beforeAll(async () => {
    const c = cluster();
    database = `${c.dbPrefix}_${DB_SUFFIX}`;
    await withDb('gateway', async (db) => {
      await db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await db.query(`CREATE DATABASE ${database}`);
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-egress-'));
    const tokenFile = path.join(dir, 'admin-token');
    fs.writeFileSync(tokenFile, c.adminToken);
    const sanctionsFile = path.join(dir, 'sanctions.json');
    fs.writeFileSync(sanctionsFile, JSON.stringify({ version: 'egress-test', entries: [{ id: 'SDN-EGRESS-1', names: [SANCTIONED] }] }));
    gateway = await startGateway(
      {
        DATABASE_URL: `postgres://root@127.0.0.1:5432/${database}`,
        WEBHOOK_ALLOW_PRIVATE: 'off',
        BOOTSTRAP_ADMIN_TOKEN_FILE: tokenFile,
        // A payment to a listed name is rejected by the gateway itself, which queues its webhook at once.
        SANCTIONS_LIST_FILE: sanctionsFile,
        WEBHOOK_POLL_MS: '100',
        WEBHOOK_BACKOFF_BASE_MS: '200',
        WEBHOOK_BACKOFF_MAX_MS: '500',
        WEBHOOK_GIVE_UP_AFTER_MS: '4000',
        LEDGER_WAIT_MS: '10000',
      },
      47,
    );
    admin = new NostroAdminClient({ baseUrl: gateway.url, token: c.adminToken });
    receiver = await startReceiver();
    await fundFxDesk('EUR', '1000.00');
  }, 300_000);

  afterAll(async () => {
    await receiver?.close();
    expect(await gateway?.stop()).toBe(0);
    await withDb('gateway', (db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const register = (webhookUrl?: string, currencies = ['USD']) => {
    const keys = generateEd25519KeyPair();
    const id = uniqueParticipantId('E');
    const request = { id, name: `Egress bank ${id}`, currencies, publicKey: base64UrlEncode(keys.publicKey), ...(webhookUrl ? { webhookUrl } : {}) };
    return { id, seed: keys.seed, created: admin.createParticipant(request) };
  };

  it('refuses to register a participant whose webhook URL is or resolves to a private address (422 webhook_url_not_allowed)', async () => {
    for (const url of [
      `http://127.0.0.1:${receiver.port}/hooks`,
      'http://10.0.0.1/',
      'http://192.168.1.20/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hooks',
      'http://[::ffff:127.0.0.1]/hooks',
      `http://localhost:${receiver.port}/hooks`,
    ]) {
      const attempt = register(url);
      await expect(attempt.created).rejects.toMatchObject({ status: 422, code: 'webhook_url_not_allowed' });
      await expect(admin.getParticipant(attempt.id)).rejects.toMatchObject({ status: 404 });
    }
  });

  it('refuses the same when an operator changes a webhook URL, and takes a public one', async () => {
    const bank = register();
    await bank.created;
    await expect(admin.updateParticipant(bank.id, { webhookUrl: 'http://172.16.0.5:8080/' })).rejects.toMatchObject({
      status: 422,
      code: 'webhook_url_not_allowed',
    });
    expect((await admin.getParticipant(bank.id)).webhookUrl).toBeNull();
    // A name under .example resolves nowhere yet: accepted, and judged again at every delivery.
    expect(await admin.updateParticipant(bank.id, { webhookUrl: 'https://webhooks.bank.example/nostro' })).toMatchObject({
      webhookUrl: 'https://webhooks.bank.example/nostro',
    });
  });

  it('refuses at delivery a URL resolving to 127.0.0.1 that got in while allowed: retried, abandoned, never reaching the receiver', async () => {
    const debtor = register();
    const creditor = register(undefined, ['EUR']);
    await Promise.all([debtor.created, creditor.created]);
    // As a gateway with WEBHOOK_ALLOW_PRIVATE=on would have stored it (or a name whose DNS answer changed since), with
    // the change notification the gateway's own update sends.
    const url = `http://localhost:${receiver.port}/hooks`;
    await withDb(DB_SUFFIX, async (db) => {
      await db.query('UPDATE participants SET webhook_url = $2 WHERE id = $1', [debtor.id, url]);
      await db.query(`SELECT pg_notify('gateway_participants_changed', $1)`, [debtor.id]);
    });
    expect((await admin.getParticipant(debtor.id)).webhookUrl).toBe(url);

    const client = new NostroClient({ baseUrl: gateway.url, participantId: debtor.id, seed: debtor.seed });
    const quote = await client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
    const payment = await client.createPayment({ ...paymentBody(quote.id), creditor: { ...parties.creditor, name: SANCTIONED } });
    expect(payment).toMatchObject({ status: 'REJECTED', reason: 'sanctions_hit' }); // its payment.rejected webhook is queued

    const retried = await eventually(
      () => admin.webhookDeliveries({ participant: debtor.id }),
      (page) => (page.data[0]?.attempts ?? 0) >= 2,
      30_000,
    );
    expect(retried.data).toHaveLength(1);
    expect(retried.data[0]).toMatchObject({ type: 'payment.rejected', uetr: payment.uetr, lastStatus: null });
    expect(retried.data[0].lastError).toMatch(
      /^refused: localhost resolves to .*127\.0\.0\.1 \(loopback\).*; webhooks go to public addresses only \(WEBHOOK_ALLOW_PRIVATE is off\)$/,
    );
    const abandoned = await eventually(
      () => admin.webhookDelivery(retried.data[0].id),
      (d) => d.status === 'abandoned',
      30_000,
    );
    expect(abandoned).toMatchObject({ status: 'abandoned', deliveredAt: null });
    expect((await admin.webhookEndpoints()).data.find((e) => e.participant === debtor.id)).toMatchObject({ state: 'failing', abandoned: 1 });
    // An operator's redelivery is judged the same way.
    await admin.redeliverWebhook(abandoned.id);
    await eventually(
      () => admin.webhookDelivery(abandoned.id),
      (d) => d.status === 'abandoned' && d.attempts > abandoned.attempts,
      30_000,
    );
    const quiet = await consistently(
      async () => receiver.received.length,
      (n) => n === 0,
      1_000,
    );
    expect(quiet).toBe(0);
  }, 180_000);
});
