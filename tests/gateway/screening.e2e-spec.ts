import { NostroAdminClient, NostroClient } from '@nostro/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminClient, cluster, eventually, fundFxDesk } from '../support/cluster';
import { GatewayProcess, bankWithKey, finalStatus, parties, paymentBody, startGateway } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

const LIST = {
  version: 'test-2026-11',
  entries: [
    { id: 'SDN-1001', names: ['Ivan Petrov', 'Petrov Ivan Sergeyevich'], identifiers: ['RU02 0445 2560 0407 0281 0412 3456 7890 1'] },
    { id: 'SDN-1002', names: ['Müller Trading GmbH'] },
  ],
};

describe('screening: sanctions list (normalised matching, reloadable) and amount/velocity limits', () => {
  let dir: string;
  let listFile: string;
  let gateway: GatewayProcess;
  let debtor: Bank;
  let creditor: Bank;
  let client: NostroClient;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-sanctions-'));
    listFile = path.join(dir, 'sanctions.json');
    fs.writeFileSync(listFile, JSON.stringify(LIST));
    gateway = await startGateway({ SANCTIONS_LIST_FILE: listFile }, 44);
    debtor = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    creditor = await bankWithKey(['EUR']);
    client = new NostroClient({ baseUrl: gateway.url, participantId: debtor.id, seed: debtor.seed });
    await fundFxDesk('EUR', '100000.00');
  }, 300_000);

  afterAll(async () => {
    expect(await gateway.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const pay = async (over: Partial<typeof parties>, sendAmount = '1.00', c = client) => {
    const q = await c.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
    return c.createPayment({ ...paymentBody(q.id), ...over });
  };

  it('rejects an exact name match, whatever the case, order, accents and punctuation', async () => {
    for (const name of ['IVAN PETROV', 'Petrov, Ivan', '  ivan   petrov ', 'Ívan Pétrov', 'MULLER TRADING', 'Müller Trading Ltd.']) {
      const accepted = await pay({ creditor: { name, account: 'DE1' } });
      expect({ name, status: accepted.status, reason: accepted.reason }).toEqual({ name, status: 'REJECTED', reason: 'sanctions_hit' });
    }
  });

  it('rejects a listed account identifier, compared without spaces or case', async () => {
    const accepted = await pay({ debtor: { name: 'Someone Else', account: 'ru0204452560040702810412345678901' } });
    expect(accepted).toMatchObject({ status: 'REJECTED', reason: 'sanctions_hit' });
    const payment = await client.getPayment(accepted.uetr);
    expect(payment.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'REJECTED']);
  });

  it('holds a possible match (all listed tokens among more) with a reason operators can see, and it is never submitted', async () => {
    const accepted = await pay({ debtor: { name: 'Ivan Sergeyevich Petrov Junior', account: 'US1' } });
    expect(accepted.status).toBe('RECEIVED');
    const hits = await adminClient().screeningHits({ participant: debtor.id });
    const hit = hits.data.find((h) => h.uetr === accepted.uetr);
    expect(hit).toMatchObject({ action: 'hold', participant: debtor.id, matched: { entryId: 'SDN-1001', field: 'debtor.name', kind: 'possible_name' } });
    expect(hit?.reason).toContain('sanctions_possible_match');
    const payment = await eventually(
      () => client.getPayment(accepted.uetr),
      (p) => p.status !== 'RECEIVED',
      30_000,
    );
    expect(payment.status).toBe('HELD');
    expect(payment.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'HELD']);
  });

  it('lets clean names through', async () => {
    const accepted = await pay({ debtor: { name: 'Ivana Petrova', account: 'US1' } });
    expect(accepted.status).toBe('RECEIVED');
    expect((await finalStatus(client, accepted.uetr)).status).toBe('SETTLED');
  });

  it('screens every item of a payment batch the same way: a hit rejected, a possible match held, a clean name paid', async () => {
    const quotes = await client.createQuotes(
      Array.from({ length: 3 }, () => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id })),
    );
    const ids = quotes.results.map((q) => (q as { id: string }).id);
    const batch = await client.createPayments([
      { ...paymentBody(ids[0]), creditor: { name: 'Petrov, Ivan', account: 'DE1' } },
      { ...paymentBody(ids[1]), debtor: { name: 'Ivan Sergeyevich Petrov Junior', account: 'US1' } },
      { ...paymentBody(ids[2]), debtor: { name: 'Ivana Petrova', account: 'US1' } },
    ]);
    const [hit, possible, clean] = batch.results as { uetr: string; status: string; reason?: string }[];
    expect([hit.status, hit.reason, possible.status, clean.status]).toEqual(['REJECTED', 'sanctions_hit', 'RECEIVED', 'RECEIVED']);
    const hits = await adminClient().screeningHits({ participant: debtor.id, limit: 100 });
    expect(hits.data.find((h) => h.uetr === hit.uetr)).toMatchObject({ action: 'reject', matched: { entryId: 'SDN-1001' } });
    expect(hits.data.find((h) => h.uetr === possible.uetr)).toMatchObject({ action: 'hold', matched: { entryId: 'SDN-1001', kind: 'possible_name' } });
    expect(
      (
        await eventually(
          () => client.getPayment(possible.uetr),
          (p) => p.status !== 'RECEIVED',
          30_000,
        )
      ).status,
    ).toBe('HELD');
    expect((await finalStatus(client, clean.uetr)).status).toBe('SETTLED');
    expect((await client.getPayment(hit.uetr)).timeline.map((t) => t.status)).toEqual(['RECEIVED', 'REJECTED']);
  });

  it('records rejections for operators with the matched entry', async () => {
    const hits = await adminClient().screeningHits({ participant: debtor.id, limit: 100 });
    expect(hits.data.filter((h) => h.action === 'reject').map((h) => h.matched.entryId)).toEqual(expect.arrayContaining(['SDN-1001', 'SDN-1002']));
  });

  it('reloads the list (POST /v1/admin/screening/reload and SIGHUP); a broken file leaves the old list in force', async () => {
    const admin = new NostroAdminClient({ baseUrl: gateway.url, token: cluster().adminToken });
    expect(await admin.screeningStatus()).toMatchObject({ configured: true, entries: 2, version: 'test-2026-11' });
    fs.writeFileSync(listFile, JSON.stringify({ version: 'v2', entries: [...LIST.entries, { id: 'SDN-2000', names: ['Zed Newlisted'] }] }));
    expect(await admin.reloadSanctionsList()).toMatchObject({ entries: 3, version: 'v2' });
    expect(await pay({ creditor: { name: 'zed newlisted', account: '1' } })).toMatchObject({ status: 'REJECTED', reason: 'sanctions_hit' });
    fs.writeFileSync(listFile, '{"entries": [ {"id": 1} ]}');
    await expect(admin.reloadSanctionsList()).rejects.toMatchObject({ status: 422, code: 'screening_list_invalid' });
    expect(await admin.screeningStatus()).toMatchObject({ entries: 3, version: 'v2' });
    fs.writeFileSync(listFile, JSON.stringify({ version: 'v3', entries: [] }));
    gateway.child.kill('SIGHUP');
    await eventually(
      () => admin.screeningStatus(),
      (s) => s.version === 'v3',
      10_000,
    );
    expect(await pay({ creditor: { name: 'Zed Newlisted', account: '1' } })).toMatchObject({ status: 'RECEIVED' });
  });

  it('refuses a payment above the per-payment limit with 422 limit_exceeded, recorded for operators', async () => {
    const bank = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    await adminClient().setScreeningLimits(bank.id, { currency: 'USD', maxAmount: '50.00', velocity: null });
    const q = await bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '60.00', creditorParticipant: creditor.id });
    await expect(bank.client.createPayment(paymentBody(q.id))).rejects.toMatchObject({ status: 422, code: 'limit_exceeded' });
    // The quote was not used up: a smaller payment goes through, and the quote can still serve once the limit is raised.
    const small = await bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: creditor.id });
    expect((await bank.client.createPayment(paymentBody(small.id))).status).toBe('RECEIVED');
    await adminClient().setScreeningLimits(bank.id, { currency: 'USD', maxAmount: '100.00', velocity: null });
    expect((await bank.client.createPayment(paymentBody(q.id))).status).toBe('RECEIVED');
    const hits = await adminClient().screeningHits({ participant: bank.id });
    expect(hits.data.map((h) => h.reason)).toEqual([expect.stringMatching(/^limit_exceeded: total debit .* above the per-payment limit 50.00 USD/)]);
  });

  it('enforces velocity limits (count and amount per window) even under concurrency', async () => {
    const bank = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    await adminClient().setScreeningLimits(bank.id, { currency: 'USD', maxAmount: null, velocity: { count: 3, amount: null, windowSeconds: 3600 } });
    const quotes = await bank.client.createQuotes(
      Array.from({ length: 6 }, () => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id })),
    );
    const results = await Promise.allSettled(quotes.results.map((q) => bank.client.createPayment(paymentBody((q as { id: string }).id))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected'))
      expect(r.reason).toMatchObject({ status: 422, code: 'limit_exceeded' });
    const byAmount = await bankWithKey(['USD'], { deposits: { USD: '1000.00' } });
    await adminClient().setScreeningLimits(byAmount.id, { currency: 'USD', maxAmount: null, velocity: { count: null, amount: '30.00', windowSeconds: 3600 } });
    const q1 = await byAmount.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '20.00', creditorParticipant: creditor.id });
    const q2 = await byAmount.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '20.00', creditorParticipant: creditor.id });
    await byAmount.client.createPayment(paymentBody(q1.id));
    await expect(byAmount.client.createPayment(paymentBody(q2.id))).rejects.toMatchObject({ status: 422, code: 'limit_exceeded' });
    expect((await adminClient().getScreeningLimits(byAmount.id)).data).toEqual([
      expect.objectContaining({ currency: 'USD', maxAmount: null, velocity: { count: null, amount: '30.00', windowSeconds: 3600 } }),
    ]);
  });
});
