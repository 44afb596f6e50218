/**
 * Customer data at rest (API.md "Operator controls", docs/security.md), against the running cluster: no database dump
 * and no broker log file holds a customer's name or account; the creditor and its webhook still get them; erasing a
 * participant's customer data leaves amounts, statuses and proofs; a rotation re-wraps every data key while gateways
 * keep answering; a gateway given the wrong key refuses to start.
 */
import { NostroAdminClient, NostroClient, type Payment } from '@nostro/client';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runningBrokerDataDir } from '../../scripts/lib/infra';
import { adminClient, cluster, eventually, fundFxDesk } from '../support/cluster';
import { bankWithKey, codeOf, finalStatus, startGateway, startReceiver, type Receiver } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

/** Names and accounts no other test uses, so finding one anywhere means it leaked from here. */
const unique = randomBytes(4).toString('hex').toUpperCase();
const customer = {
  debtor: { name: `Zephyrine Q${unique} Okonkwo-Lindqvist`, account: `GB33BUKB2020155555${unique.slice(0, 4)}` },
  creditor: { name: `Ingeborg X${unique} Fairweather`, account: `DE75512108001245${unique}` },
  remittanceInfo: `Invoice for Zephyrine ${unique}`,
};
/** A recall's note may name a person too: it is sealed like the parties. */
const recallComment = `Ms Zephyrine ${unique} called: sent twice`;
const secrets = [customer.debtor.name, customer.debtor.account, customer.creditor.name, customer.creditor.account, customer.remittanceInfo, recallComment];

/** Every database of this test cluster, as `pg_dump` writes it (data and schema, plain SQL). */
function dumps(): Map<string, string> {
  const c = cluster();
  const names = ['gateway', 'fx', 'settlement', 'ledger_0', 'ledger_1', 'ledger_2'].map((n) => `${c.dbPrefix}_${n}`);
  return new Map(
    names.map((db) => [db, execFileSync('pg_dump', ['-h', '127.0.0.1', '-U', 'root', '--no-owner', db], { maxBuffer: 1 << 30 }).toString('utf8')]),
  );
}

/**
 * Files of the broker's log directory (every topic's segments) holding any of `needles`. Offset and time indexes
 * (`.index`, `.timeindex`) are passed over: they map offsets to positions in a segment and hold no record, and the
 * broker preallocates each to 10 MB, gigabytes of zeros across the suite's topics.
 */
function brokerFilesHolding(needles: string[]): string[] {
  const wanted = needles.map((n) => Buffer.from(n));
  const longest = Math.max(...wanted.map((w) => w.length));
  const hits: string[] = [];
  // The broker deletes the directories of topics other test files drop while this walks them: what is gone held
  // nothing of this cluster's (its own topics stay), so a directory or file that vanished is passed over.
  const vanished = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (vanished(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() && !/\.(time)?index$/.test(entry.name) && scan(file)) hits.push(file);
    }
  };
  const scan = (file: string): boolean => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if (vanished(error)) return false;
      throw error;
    }
    try {
      const chunk = Buffer.alloc(8 << 20);
      let carry = Buffer.alloc(0);
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) return false;
        const window = Buffer.concat([carry, chunk.subarray(0, n)]);
        if (wanted.some((w) => window.includes(w))) return true;
        carry = window.subarray(Math.max(0, window.length - longest));
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  walk(runningBrokerDataDir());
  return hits;
}

describe('customer data at rest', () => {
  let debtor: Bank;
  let creditor: Bank;
  let creditorHooks: Receiver;
  let payment: Payment;

  beforeAll(async () => {
    creditorHooks = await startReceiver();
    debtor = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    creditor = await bankWithKey(['EUR'], { webhookUrl: creditorHooks.url });
    await fundFxDesk('EUR', '10000.00');
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '25.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ quoteId: quote.id, endToEndId: `E2E-${unique}`, ...customer });
    payment = await finalStatus(debtor.client, uetr);
    expect(payment.status).toBe('SETTLED');
    // Recalled with a note that names the customer, and refused by the creditor.
    await debtor.client.recallPayment(uetr, { reason: 'DUPL', comment: recallComment });
    await creditor.client.respondToRecall(uetr, { decision: 'reject', reason: 'NOAS' });
  });

  afterAll(() => creditorHooks.close());

  it('gives the parties to the creditor, its webhook and operators, never to the debtor’s own view', async () => {
    expect(await creditor.client.getIncomingPayment(payment.uetr)).toMatchObject({ ...customer, recall: { comment: recallComment, status: 'REJECTED' } });
    expect(payment).not.toHaveProperty('debtor');
    // Both banks read the recall's note in clear; it is stored sealed (below).
    expect((await debtor.client.getPayment(payment.uetr)).recall).toMatchObject({ comment: recallComment });
    expect((await adminClient().listPayments({ participant: debtor.id })).data.find((p) => p.uetr === payment.uetr)).toMatchObject({
      ...customer,
      recall: { comment: recallComment },
    });
    const hook = await eventually(
      async () =>
        creditorHooks.received.map((r) => JSON.parse(r.body) as { type: string; data: { payment: Payment } }).find((h) => h.data.payment.uetr === payment.uetr),
      (h) => h !== undefined,
    );
    expect(hook?.type).toBe('payment.received');
    expect(hook?.data.payment).toMatchObject(customer);
    expect(hook?.data.payment).not.toHaveProperty('$parties');
    const delivery = await creditorDelivery(creditor.id, payment.uetr);
    expect(((await adminClient().webhookDelivery(delivery.id)) as unknown as { payload: { data: { payment: Payment } } }).payload.data.payment).toMatchObject(
      customer,
    );
  });

  it('keeps them out of every database dump and every broker log file', async () => {
    const all = dumps();
    // The dump is real: it holds this payment (its uetr) in the gateway's and settlement's databases.
    expect(all.get(`${cluster().dbPrefix}_gateway`)).toContain(payment.uetr);
    expect(all.get(`${cluster().dbPrefix}_settlement`)).toContain(payment.uetr);
    for (const [db, text] of all) for (const secret of secrets) expect(`${db}: ${text.includes(secret) ? secret : 'clean'}`).toBe(`${db}: clean`);
    // Nor the names every other test of this cluster paid with.
    for (const [db, text] of all) expect(`${db}: ${text.includes('Bernd Beispiel') ? 'Bernd Beispiel' : 'clean'}`).toBe(`${db}: clean`);
    expect(brokerFilesHolding([...secrets, 'Bernd Beispiel', 'Alice Example'])).toEqual([]);
    // …while the broker's files do hold this payment's messages (its uetr), so the scan reads what it should.
    expect(brokerFilesHolding([payment.uetr]).length).toBeGreaterThan(0);
  });

  it('erases a participant’s old customer data: parties unreadable, amounts, statuses and proofs intact', async () => {
    const before = await creditor.client.verifyFinality(payment.uetr, { incoming: true });
    expect(before.ok).toBe(true);
    const result = await adminClient().eraseCustomerData(creditor.id, { before: new Date().toISOString() });
    expect(result).toMatchObject({ participant: creditor.id, retentionDays: 0 });
    expect(result.erased).toBeGreaterThanOrEqual(1);
    const erased = await creditor.client.getIncomingPayment(payment.uetr);
    expect(erased).toMatchObject({ status: 'SETTLED', debtor: { erased: true }, creditor: { erased: true }, receiveAmount: payment.receiveAmount });
    expect(erased).not.toHaveProperty('remittanceInfo');
    expect(erased.recall).toMatchObject({ comment: '[erased]', status: 'REJECTED' });
    expect(Date.parse(erased.customerDataErasedAt ?? '')).toBeGreaterThan(0);
    expect(await debtor.client.getPayment(payment.uetr)).toMatchObject({ status: 'SETTLED', sendAmount: payment.sendAmount, block: payment.block });
    const after = await creditor.client.verifyFinality(payment.uetr, { incoming: true });
    expect(after.ok).toBe(true);
    // The webhook, redelivered, says erased too: the outbox never held a copy.
    const delivery = await creditorDelivery(creditor.id, payment.uetr);
    const payload = ((await adminClient().webhookDelivery(delivery.id)) as unknown as { payload: { data: { payment: Payment } } }).payload;
    expect(payload.data.payment.debtor).toEqual({ erased: true });
    // The creditor's pacs.008 says ERASED where the names were.
    const xml = await creditor.client.getIncomingPaymentXml(payment.uetr);
    expect(xml).toContain('<Nm>ERASED</Nm>');
    for (const secret of secrets) expect(xml).not.toContain(secret);
    // Once erased, always erased: a second erasure finds nothing more of this payment.
    expect((await adminClient().eraseCustomerData(creditor.id)).erased).toBe(0);
    expect(await codeOf(adminClient().eraseCustomerData('ZZZZNOBANK'))).toBe('404 not_found');
  });

  it('re-wraps every data key under a new KEK while gateways answer, and back, then retires the older key', async () => {
    const c = cluster();
    const local = fs.readFileSync(c.piiKekFile, 'utf8').trim();
    const next = `rotated-${unique.toLowerCase()}:${randomBytes(32).toString('base64')}`;
    // A fresh payment, so that there is a data key under the current KEK to re-wrap (and back).
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '5.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ quoteId: quote.id, endToEndId: `E2E-R-${unique}`, ...customer });
    expect((await finalStatus(debtor.client, uetr)).status).toBe('SETTLED');
    await rotate(next, local, creditor, uetr);
    // And back, so that the cluster's own gateway (given only the local key) reads everything again.
    await rotate(local, next, creditor, uetr);
    expect(await creditor.client.getIncomingPayment(uetr)).toMatchObject(customer);
  }, 240_000);

  it('refuses to start with a different key under a known id, and without a key still in use', async () => {
    const c = cluster();
    const id = fs.readFileSync(c.piiKekFile, 'utf8').trim().split(':')[0];
    await expect(startGateway({ PII_KEK: `${id}:${randomBytes(32).toString('base64')}`, PII_KEK_FILE: '' })).rejects.toThrow(
      /not the key this database's customer data was sealed with/,
    );
    await expect(startGateway({ PII_KEK: `other:${randomBytes(32).toString('base64')}`, PII_KEK_FILE: '' })).rejects.toThrow(/PII_KEK_PREVIOUS/);
    // Nothing was written for the refused keys: the cluster's gateway still reads and writes as before.
    expect((await adminClient().customerDataStatus()).keks.map((k) => k.kekId)).not.toContain('other');
  }, 120_000);
});

/** The webhook delivery of a payment to its creditor, as operators see it. */
async function creditorDelivery(creditorId: string, uetr: string) {
  const delivery = (await adminClient().webhookDeliveries({ uetr })).data.find((d) => d.participant === creditorId);
  if (!delivery) throw new Error(`no webhook delivery of ${uetr} to ${creditorId}`);
  return delivery;
}

/**
 * Runs a gateway with `to` current and `from` previous until every data key is wrapped by `to` and `from` is retired,
 * reading the payment's parties through it all along (no downtime), then stops it.
 */
async function rotate(to: string, from: string, creditor: Bank, uetr: string): Promise<void> {
  const gateway = await startGateway({ PII_KEK: to, PII_KEK_PREVIOUS: from, PII_KEK_FILE: '' });
  try {
    const admin = new NostroAdminClient({ baseUrl: gateway.url, token: cluster().adminToken });
    const [toId, fromId] = [to.split(':')[0], from.split(':')[0]];
    const status = await eventually(
      () => admin.customerDataStatus(),
      (s) => s.keks.some((k) => k.kekId === fromId && k.retiredAt !== undefined && k.dataKeys === '0'),
      120_000,
    );
    expect(status.currentKekId).toBe(toId);
    expect(status.keks.find((k) => k.kekId === toId)).toMatchObject({ current: true, held: true });
    expect(Number(status.keks.find((k) => k.kekId === toId)?.dataKeys)).toBeGreaterThan(0);
    const res = await fetch(`${gateway.url}/v1/admin/customer-data`, { headers: { authorization: `Bearer ${cluster().adminToken}` } });
    expect(res.status).toBe(200);
    // Served through the rotating gateway with the bank's own signature: the parties open under the new key.
    const viaRotated = new NostroClient({ baseUrl: gateway.url, participantId: creditor.id, seed: creditor.seed });
    expect(await viaRotated.getIncomingPayment(uetr)).toMatchObject(customer);
  } finally {
    await gateway.stop();
  }
}
