import { isProblemResult, verifyPaymentFinality } from '@nostro/client';
import { randomUUID } from 'node:crypto';
import { eventually, fundFxDesk, withDb } from '../support/cluster';
import { bankWithKey, finalStatus, parties, paymentBody, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

describe('payments and quotes, one by one and in batches', () => {
  let debtor: Bank;
  let creditor: Bank;
  let stranger: Bank;

  beforeAll(async () => {
    debtor = await bankWithKey(['USD'], { deposits: { USD: '2000.00' } });
    creditor = await bankWithKey(['EUR']);
    stranger = await bankWithKey(['USD', 'EUR']);
    await fundFxDesk('EUR', '100000.00');
  });

  const quoteRequest = (sendAmount: string) => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });

  it('quotes in a batch: one quote or problem per item, in order', async () => {
    const batch = await debtor.client.createQuotes([
      quoteRequest('1.00'),
      { ...quoteRequest('1.00'), targetCurrency: 'XXX' },
      quoteRequest('2.00'),
      { ...quoteRequest('1.00'), creditorParticipant: 'NOBODY01' },
      quoteRequest('1.001'),
    ]);
    expect(batch.results.map((r) => (isProblemResult(r) ? r.problem.code : 'quote'))).toEqual([
      'quote',
      'validation_failed',
      'quote',
      'corridor_unavailable',
      'validation_failed',
    ]);
    const [first, , third] = batch.results;
    expect(isProblemResult(first) ? null : first.sendAmount).toBe('1.00');
    expect(isProblemResult(third) ? null : third.sendAmount).toBe('2.00');
    const bad = batch.results[4];
    expect(isProblemResult(bad) && bad.problem.errors?.[0].path).toBe('sendAmount');
  });

  it('refuses an empty batch and one of more than 1,000 items', async () => {
    await expect(debtor.client.createQuotes([])).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(debtor.client.createPayments(Array.from({ length: 1001 }, () => paymentBody('q_x')))).rejects.toMatchObject({
      status: 400,
      problem: { errors: [expect.objectContaining({ path: 'payments' })] },
    });
  });

  it('accepts a batch mixing good and bad items: one result per item, in order, and only the good ones pay', async () => {
    const quotes = await debtor.client.createQuotes([quoteRequest('10.00'), quoteRequest('11.00'), quoteRequest('12.00')]);
    const ids = quotes.results.map((r) => (isProblemResult(r) ? '' : r.id));
    const key = randomUUID();
    const items = [
      paymentBody(ids[0], 'B-OK-1'),
      { ...paymentBody(ids[1], 'B-BAD-FIELD'), debtor: { name: '', account: '1' } },
      paymentBody('q_unknown_quote', 'B-NO-QUOTE'),
      paymentBody(ids[1], 'B-OK-2'),
      paymentBody(ids[1], 'B-QUOTE-REUSED'),
      paymentBody(ids[2], 'B-OK-3'),
    ];
    const batch = await debtor.client.createPayments(items, { idempotencyKey: key });
    const summary = batch.results.map((r) => (isProblemResult(r) ? r.problem.code : r.status));
    expect(summary).toEqual(['RECEIVED', 'validation_failed', 'quote_not_found', 'RECEIVED', 'quote_already_used', 'RECEIVED']);
    const bad = batch.results[1];
    expect(isProblemResult(bad) && bad.problem.errors?.map((e) => e.path)).toEqual(['debtor.name']);
    const uetrs = batch.results.flatMap((r) => (isProblemResult(r) ? [] : [r.uetr]));
    expect(new Set(uetrs).size).toBe(3);
    for (const uetr of uetrs) expect((await finalStatus(debtor.client, uetr)).status).toBe('SETTLED');
    // The same key and body: the same results, no new payment.
    const again = await debtor.client.createPayments(items, { idempotencyKey: key });
    expect(again).toEqual(batch);
    const listed: string[] = [];
    for await (const payment of debtor.client.allPayments()) if (payment.endToEndId?.startsWith('B-')) listed.push(payment.uetr);
    expect(listed.sort()).toEqual([...uetrs].sort());
  });

  it('pays a full batch of 1,000 payments in one request, each exactly once, and a retry pays nothing more', async () => {
    const big = await bankWithKey(['USD'], { deposits: { USD: '5000.00' } });
    // a creditor of its own, so that the other tests' listings of incoming payments are not flooded
    const bulkCreditor = await bankWithKey(['EUR']);
    const quotes = await big.client.createQuotes(Array.from({ length: 1000 }, () => ({ ...quoteRequest('1.00'), creditorParticipant: bulkCreditor.id })));
    const ids = quotes.results.map((r) => (isProblemResult(r) ? '' : r.id));
    expect(ids.filter((id) => id === '')).toEqual([]);
    const items = ids.map((id, i) => paymentBody(id, `BULK-${i}`));
    const key = randomUUID();
    const started = Date.now();
    const batch = await big.client.createPayments(items, { idempotencyKey: key });
    process.stderr.write(`1,000-payment batch answered in ${Date.now() - started} ms (measured on a shared 2-core machine)\n`);
    expect(batch.results.filter(isProblemResult)).toEqual([]);
    const uetrs = batch.results.flatMap((r) => (isProblemResult(r) ? [] : [r.uetr]));
    expect(new Set(uetrs).size).toBe(1000);
    expect((await big.client.createPayments(items, { idempotencyKey: key })).results).toEqual(batch.results);
    // The bank's own view (GET /v1/payments, every page): its payments by status.
    const counts = async () => {
      const byStatus: Record<string, number> = {};
      for await (const payment of big.client.allPayments()) byStatus[payment.status] = (byStatus[payment.status] ?? 0) + 1;
      return byStatus;
    };
    const seen = await eventually(counts, (byStatus) => Object.keys(byStatus).join() === 'SETTLED', 120_000, 1_000);
    expect(seen).toEqual({ SETTLED: 1000 });
    // 1,000 × 1.00 USD plus fees left the debtor's account, once.
    const debits = quotes.results.reduce((sum, r) => sum + (isProblemResult(r) ? 0n : BigInt(r.totalDebit.replace('.', ''))), 0n);
    const spent = async () => 5000_00n - BigInt((await big.client.getAccounts()).data.find((a) => a.currency === 'USD')?.balance.replace('.', '') ?? '0');
    expect(await eventually(spent, (n) => n === debits, 30_000)).toBe(debits);
  }, 180_000);

  it('takes a full batch of 1,000 quotes', async () => {
    const started = Date.now();
    const batch = await debtor.client.createQuotes(Array.from({ length: 1000 }, () => quoteRequest('1.00')));
    expect(batch.results).toHaveLength(1000);
    expect(batch.results.filter(isProblemResult)).toEqual([]);
    process.stderr.write(`1,000-quote batch answered in ${Date.now() - started} ms (measured on a shared 2-core machine)\n`);
  });

  it('shows the payment with its timeline, and lists with filters and cursor pagination', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const q = await debtor.client.createQuote(quoteRequest('1.00'));
      made.push((await debtor.client.createPayment(paymentBody(q.id, `LIST-${i}`))).uetr);
    }
    const payment = await finalStatus(debtor.client, made[2]);
    expect(payment).toMatchObject({
      uetr: made[2],
      status: 'SETTLED',
      sendAmount: '1.00',
      sourceCurrency: 'USD',
      targetCurrency: 'EUR',
      endToEndId: 'LIST-2',
      creditorParticipant: creditor.id,
    });
    expect(payment.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(payment.block?.height).toBeGreaterThan(0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await debtor.client.listPayments({ limit: 2, cursor });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((p) => p.uetr));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(made));
    expect(new Set(seen).size).toBe(seen.length);
    const all: string[] = [];
    for await (const p of debtor.client.allPayments({ status: 'SETTLED' })) all.push(p.uetr);
    expect(all).toEqual(expect.arrayContaining(made));
    const since = new Date(Date.now() + 60_000).toISOString();
    expect((await debtor.client.listPayments({ since })).data).toEqual([]);
  });

  it('records several banks’ concurrent single payments together, each under its own bank, debiting its own account', async () => {
    const banks = await Promise.all(Array.from({ length: 4 }, () => bankWithKey(['USD'], { deposits: { USD: '100.00' } })));
    const quotes = await Promise.all(
      // Taking turns (bank 1, 2, 3, 4, 1, …), so that payments sent one after another are of different banks.
      ['1.00', '2.00', '3.00'].flatMap((amount) => banks.map(async (bank) => ({ bank, quote: await bank.client.createQuote(quoteRequest(amount)) }))),
    );
    const paid = await Promise.all(quotes.map(async ({ bank, quote }) => ({ bank, payment: await bank.client.createPayment(paymentBody(quote.id)) })));
    // Twelve payments of four banks sent at once: at least one of the transactions that recorded them (the RECEIVED
    // entries' xmin) recorded payments of several banks (one transaction per bank at least, before).
    const transactions = await withDb('gateway', async (db) => {
      const { rows } = await db.query<{ tx: string; banks: string }>(
        `SELECT t.xmin::text AS tx, count(DISTINCT p.participant)::text AS banks FROM payment_timeline t JOIN payments p USING (uetr)
          WHERE t.status = 'RECEIVED' AND t.uetr = ANY($1::uuid[]) GROUP BY t.xmin::text`,
        [paid.map((p) => p.payment.uetr)],
      );
      return rows;
    });
    expect(transactions.length).toBeLessThan(paid.length);
    expect(Math.max(...transactions.map((t) => Number(t.banks)))).toBeGreaterThan(1);
    for (const { bank, payment } of paid) {
      expect((await finalStatus(bank.client, payment.uetr)).status).toBe('SETTLED');
      expect((await bank.client.getPayment(payment.uetr)).uetr).toBe(payment.uetr);
      for (const other of banks.filter((b) => b !== bank)) await expect(other.client.getPayment(payment.uetr)).rejects.toMatchObject({ status: 404 });
    }
    // Each bank paid its own three quotes (6.00 USD and their fees) from its own account, and nobody else's.
    const cents = (amount: string): bigint => BigInt(amount.replace('.', ''));
    const usd = (minor: bigint): string => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
    for (const bank of banks) {
      const own = quotes.filter((q) => q.bank === bank).reduce((sum, q) => sum + cents(q.quote.totalDebit), 0n);
      expect(own).toBeGreaterThan(600n);
      const accounts = await eventually(
        () => bank.client.getAccounts(),
        (a) => a.data[0]?.balance === usd(10_000n - own),
      );
      expect(accounts.data).toEqual([expect.objectContaining({ currency: 'USD', balance: usd(10_000n - own) })]);
    }
  });

  it('isolates banks: another bank’s payment is 404 everywhere and never listed', async () => {
    const q = await debtor.client.createQuote(quoteRequest('1.00'));
    const { uetr } = await debtor.client.createPayment(paymentBody(q.id));
    await finalStatus(debtor.client, uetr);
    for (const path of [`/v1/payments/${uetr}`, `/v1/payments/${uetr}/finality`, `/v1/incoming-payments/${uetr}`, `/v1/incoming-payments/${uetr}/finality`]) {
      const a = await signed({ path, keyId: stranger.id, seed: stranger.seed });
      expect({ path, status: a.status, code: a.body.code }).toEqual({ path, status: 404, code: 'not_found' });
    }
    // The creditor sees it only as incoming, never as its own payment.
    await expect(creditor.client.getPayment(uetr)).rejects.toMatchObject({ status: 404 });
    await expect(debtor.client.getIncomingPayment(uetr)).rejects.toMatchObject({ status: 404 });
    expect((await stranger.client.listPayments({ limit: 1000 })).data.map((p) => p.uetr)).not.toContain(uetr);
    expect((await stranger.client.listIncomingPayments({ limit: 1000 })).data.map((p) => p.uetr)).not.toContain(uetr);
    expect((await debtor.client.listIncomingPayments({ limit: 1000 })).data.map((p) => p.uetr)).not.toContain(uetr);
  });

  it('shows the creditor its incoming payment with the parties and a proof that verifies offline', async () => {
    const q = await debtor.client.createQuote(quoteRequest('25.00'));
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(q.id, 'INCOMING-1'), remittanceInfo: 'Invoice 42' });
    await finalStatus(debtor.client, uetr);
    const incoming = await creditor.client.getIncomingPayment(uetr);
    expect(incoming).toMatchObject({
      uetr,
      status: 'SETTLED',
      receiveAmount: q.receiveAmount,
      debtor: parties.debtor,
      creditor: parties.creditor,
      remittanceInfo: 'Invoice 42',
      debtorParticipant: debtor.id,
    });
    const listed = await creditor.client.listIncomingPayments({ status: 'SETTLED', limit: 1000 });
    expect(listed.data.map((p) => p.uetr)).toContain(uetr);
    const keys = await creditor.client.getKeys();
    const proof = await creditor.client.getIncomingFinality(uetr);
    expect(verifyPaymentFinality(uetr, proof, keys)).toEqual({ ok: true });
    expect(verifyPaymentFinality(randomUUID(), proof, keys)).toEqual({ ok: false, reason: 'the proof is of another transaction' });
    expect((await creditor.client.verifyFinality(uetr, { incoming: true })).ok).toBe(true);
  });

  it('answers quote problems the gateway can tell at once: unknown, already used', async () => {
    await expect(debtor.client.createPayment(paymentBody('q_nope'))).rejects.toMatchObject({ status: 404, code: 'quote_not_found' });
    const q = await debtor.client.createQuote(quoteRequest('1.00'));
    await debtor.client.createPayment(paymentBody(q.id));
    await expect(debtor.client.createPayment(paymentBody(q.id))).rejects.toMatchObject({ status: 409, code: 'quote_already_used' });
    // Another bank cannot use my quote.
    await expect(stranger.client.createPayment(paymentBody(q.id))).rejects.toMatchObject({ status: 404, code: 'quote_not_found' });
  });
});
