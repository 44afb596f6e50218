import { newCondition, type Payment } from '@nostro/client';
import {
  buildCamt029,
  buildCamt056,
  buildPacs004,
  buildPacs008Inbound,
  parseCamt053,
  parsePacs002,
  parsePacs008,
  validateXml,
  type Iso20022Schema,
  type Pacs008Transaction,
} from '@nostro/iso20022';
import { randomUUID } from 'node:crypto';
import { amountOf, eventually, fundFxDesk, minorOf } from '../support/cluster';
import { bankWithKey, finalStatus, signed, type RawAnswer } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

/** Sends an XML document signed by the bank, with an Idempotency-Key. */
function postXml(bank: Bank, path: string, xml: string, key = randomUUID(), contentType = 'application/xml'): Promise<RawAnswer> {
  return signed({ method: 'POST', path, body: xml, headers: { 'content-type': contentType }, keyId: bank.id, seed: bank.seed, idempotencyKey: key });
}

function getXml(bank: Bank, path: string): Promise<RawAnswer> {
  return signed({ path, headers: { accept: 'application/xml' }, keyId: bank.id, seed: bank.seed });
}

/** Every document the gateway sends validates against the official XSD, checked here in the test itself. */
async function expectValid(schema: Iso20022Schema, xml: string): Promise<void> {
  const result = await validateXml(schema, xml);
  expect({ schema, issues: result.issues }).toEqual({ schema, issues: [] });
  expect(result.valid).toBe(true);
}

describe('ISO 20022: pacs.008 in, pacs.002 and pacs.008 out, camt.053, camt.056, camt.029, pacs.004', () => {
  let debtor: Bank;
  let creditor: Bank;

  beforeAll(async () => {
    debtor = await bankWithKey(['USD'], { deposits: { USD: '5000.00' } });
    creditor = await bankWithKey(['EUR']);
    await fundFxDesk('EUR', '100000.00');
  });

  const quote = (sendAmount: string) =>
    debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });

  function tx(index: number, q: { id: string; sendAmount: string }, extra: Partial<Pacs008Transaction> = {}): Pacs008Transaction {
    return {
      index,
      quoteId: q.id,
      endToEndId: `ISO-E2E-${index}-${randomUUID().slice(0, 6)}`,
      amount: q.sendAmount,
      currency: 'USD',
      debtor: { name: 'Zoë Ångström & Co', account: 'US0012345' },
      creditor: { name: 'Bernd Beispiel', account: 'DE89370400440532013000' },
      debtorAgent: debtor.id,
      creditorAgent: creditor.id,
      remittanceInfo: 'invoice 42',
      ...extra,
    };
  }

  const pacs008 = (transactions: Pacs008Transaction[]) =>
    buildPacs008Inbound({ messageId: `MSG-${randomUUID().slice(0, 8)}`, createdAt: new Date().toISOString(), transactions });

  it('answers a pacs.008 of three with a pacs.002: a bank UETR honoured, a fresh one made, a reused quote RJCT', async () => {
    const [q1, q2] = await Promise.all([quote('10.00'), quote('11.00')]);
    const bankUetr = randomUUID();
    const message = pacs008([tx(0, q1, { uetr: bankUetr }), tx(1, q2), tx(2, q1)]);
    const key = randomUUID();
    const answer = await postXml(debtor, '/v1/iso20022/pacs.008', message, key);
    expect(answer.status).toBe(202);
    expect(answer.headers.get('content-type')).toContain('application/xml');
    await expectValid('pacs.002.001.11', answer.text);
    const report = parsePacs002(answer.text);
    expect(report.groupStatus).toBe('PART');
    expect(report.originalMessageNameId).toBe('pacs.008.001.09');
    expect(report.transactions.map((t) => t.status)).toEqual(['RCVD', 'RCVD', 'RJCT']);
    expect(report.transactions[0].uetr).toBe(bankUetr);
    expect(report.transactions[2].reason).toEqual({ code: 'NARR', additionalInfo: 'quote_already_used' });
    // The same key and message: the same document, byte for byte, still XML.
    const again = await postXml(debtor, '/v1/iso20022/pacs.008', message, key);
    expect({ status: again.status, same: again.text === answer.text, type: again.headers.get('content-type') }).toMatchObject({
      status: 202,
      same: true,
      type: expect.stringContaining('application/xml'),
    });
    // Both payments settle like any other, and the JSON API shows the mapped parties.
    const second = report.transactions[1].uetr as string;
    for (const uetr of [bankUetr, second]) expect((await finalStatus(debtor.client, uetr)).status).toBe('SETTLED');
    expect(await creditor.client.getIncomingPayment(bankUetr)).toMatchObject({ debtor: { name: 'Zoë Ångström & Co' }, remittanceInfo: 'invoice 42' });
  });

  it('takes a condition in SplmtryData: RESERVED with the API’s condition; one past its time RJCT validation_failed', async () => {
    const [q1, q2] = await Promise.all([quote('14.00'), quote('15.00')]);
    const { condition } = newCondition(new Date(Date.now() + 3_600_000));
    const lock = (expiresAt: string) => ({ type: 'SHA256', hash: condition.hash, expiresAt, path: '' });
    const uetr = randomUUID();
    const message = pacs008([
      tx(0, q1, { uetr, condition: lock(condition.expiresAt) }),
      tx(1, q2, { condition: lock(new Date(Date.now() - 1_000).toISOString()) }),
    ]);
    await expectValid('pacs.008.001.09', message);
    const report = parsePacs002((await postXml(debtor, '/v1/iso20022/pacs.008', message)).text);
    expect(report.transactions.map((t) => [t.status, t.reason?.additionalInfo])).toEqual([
      ['RCVD', undefined],
      ['RJCT', 'validation_failed'],
    ]);
    const reserved = await eventually(
      () => creditor.client.getIncomingPayment(uetr),
      (p: Payment) => p.status === 'RESERVED' || p.status === 'REJECTED',
      45_000,
    );
    expect(reserved).toMatchObject({ status: 'RESERVED', condition, reservedUntil: expect.any(String) });
  });

  it('refuses per transaction an amount that is not the quote’s, a foreign creditor agent and a UETR already used, burning no quote', async () => {
    const [q1, q2] = await Promise.all([quote('12.00'), quote('13.00')]);
    const used = randomUUID();
    await postXml(debtor, '/v1/iso20022/pacs.008', pacs008([tx(0, q2, { uetr: used })]));
    const message = pacs008([tx(0, q1, { amount: '12.01' }), tx(1, q1, { creditorAgent: debtor.id }), tx(2, q1, { uetr: used }), tx(3, q1)]);
    const report = parsePacs002((await postXml(debtor, '/v1/iso20022/pacs.008', message)).text);
    expect(report.transactions.map((t) => [t.status, t.reason?.additionalInfo])).toEqual([
      ['RJCT', 'amount_mismatch'],
      ['RJCT', 'creditor_mismatch'],
      ['RJCT', 'uetr_conflict'],
      ['RCVD', undefined],
    ]);
    expect(report.groupStatus).toBe('PART');
  });

  it('serves a settled payment as pacs.002 ACSC to its debtor and as the pacs.008 a correspondent would send to its creditor', async () => {
    const q = await quote('20.00');
    const uetr = randomUUID();
    await postXml(debtor, '/v1/iso20022/pacs.008', pacs008([tx(0, q, { uetr })]));
    const settled = await finalStatus(debtor.client, uetr);
    const status = await getXml(debtor, `/v1/payments/${uetr}`);
    expect(status.headers.get('content-type')).toContain('application/xml');
    await expectValid('pacs.002.001.11', status.text);
    expect(parsePacs002(status.text).transactions).toEqual([expect.objectContaining({ uetr, status: 'ACSC' })]);
    const incoming = await getXml(creditor, `/v1/incoming-payments/${uetr}`);
    await expectValid('pacs.008.001.09', incoming.text);
    const [mapped] = parsePacs008(incoming.text).transactions;
    expect(mapped).toMatchObject({ uetr, amount: settled.receiveAmount, currency: 'EUR', debtorAgent: debtor.id, creditorAgent: creditor.id });
    expect(incoming.text).toContain(`<InstdAmt Ccy="USD">${settled.sendAmount}</InstdAmt>`);
    expect(incoming.text).toMatch(new RegExp(`<XchgRate>${settled.quote.rate.replace('.', '\\.')}0*</XchgRate>`));
    for (const fee of settled.quote.fees) expect(incoming.text).toContain(`<Amt Ccy="${fee.currency}">${fee.amount}</Amt>`);
    expect(incoming.text).toContain('<ChrgBr>DEBT</ChrgBr>');
    // The other bank sees neither; JSON stays the default.
    expect((await getXml(creditor, `/v1/payments/${uetr}`)).status).toBe(404);
    expect((await signed({ path: `/v1/payments/${uetr}`, keyId: debtor.id, seed: debtor.seed })).body).toMatchObject({ uetr, status: 'SETTLED' });
  });

  it('recalls with camt.056, accepts with camt.029, returns the rest of another payment with pacs.004; statements as camt.053 reconcile', async () => {
    const [qa, qb] = await Promise.all([quote('30.00'), quote('40.00')]);
    const [a, b] = [randomUUID(), randomUUID()];
    await postXml(debtor, '/v1/iso20022/pacs.008', pacs008([tx(0, qa, { uetr: a }), tx(1, qb, { uetr: b })]));
    const paid = await finalStatus(debtor.client, a);
    const pb = await finalStatus(debtor.client, b);
    const assignment = { createdAt: new Date(), assigner: debtor.id, assignee: creditor.id };
    const recall = await postXml(
      debtor,
      '/v1/iso20022/camt.056',
      buildCamt056({ messageId: 'RCL-1', uetr: a, reason: 'DUPL', additionalInfo: 'sent twice', ...assignment }),
    );
    expect(recall).toMatchObject({ status: 202, body: { uetr: a, status: 'PENDING', reason: 'DUPL' } });
    const accept = await postXml(
      creditor,
      '/v1/iso20022/camt.029',
      buildCamt029({ messageId: 'ANS-1', uetr: a, decision: 'accept', createdAt: new Date(), assigner: creditor.id, assignee: debtor.id }),
    );
    expect(accept).toMatchObject({ status: 200, body: { status: 'ACCEPTED', returnId: expect.any(String) } });
    const half = amountOf((minorOf(pb.receiveAmount, 'EUR') + 1n) / 2n, 'EUR'); // half, rounded half up
    const ret = await postXml(
      creditor,
      '/v1/iso20022/pacs.004',
      buildPacs004({
        messageId: 'RTR-1',
        uetr: b,
        amount: { amount: half, currency: 'EUR' },
        reason: 'AC04',
        createdAt: new Date(),
        settlementDate: '2026-12-06',
      }),
    );
    expect(ret).toMatchObject({ status: 202, body: { uetr: b, amount: half, currency: 'EUR', reason: 'AC04' } });
    await eventually(
      () => debtor.client.getPayment(a),
      (p) => p.status === 'RETURNED',
    );
    expect(paid.status).toBe('SETTLED');
    // A pacs.004 in another currency than the payment's is refused.
    const wrong = await postXml(
      creditor,
      '/v1/iso20022/pacs.004',
      buildPacs004({
        messageId: 'RTR-2',
        uetr: b,
        amount: { amount: '1.00', currency: 'USD' },
        reason: 'AC04',
        createdAt: new Date(),
        settlementDate: '2026-12-06',
      }),
    );
    expect(wrong).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    // The creditor's statement as camt.053: valid, and the same balances and entries as the JSON one.
    await eventually(
      async () => (await signed({ path: '/v1/accounts/EUR/entries?limit=100', keyId: creditor.id, seed: creditor.seed })).body,
      (page) => ((page as { data?: { kind: string }[] }).data ?? []).filter((e) => e.kind === 'return').length === 2,
    );
    const json = (await signed({ path: '/v1/accounts/EUR/statement', keyId: creditor.id, seed: creditor.seed })).body as {
      openingBalance: string;
      closingBalance: string;
      entries: { entryId: string; amount: string; direction: string }[];
    };
    const xml = await getXml(creditor, '/v1/accounts/EUR/statement');
    await expectValid('camt.053.001.08', xml.text);
    const summary = parseCamt053(xml.text);
    expect({ opening: summary.openingBalance.amount, closing: summary.closingBalance.amount }).toEqual({
      opening: json.openingBalance,
      closing: json.closingBalance,
    });
    expect(summary.entries.map((e) => [e.entryRef, e.amount.amount, e.direction])).toEqual(json.entries.map((e) => [e.entryId, e.amount, e.direction]));
  });

  describe('hostile or malformed XML is refused before parsing does harm', () => {
    const started = () => performance.now();

    it.each([
      ['a DTD with an internal entity', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document>&x;</Document>'],
      ['an external entity (file)', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>'],
      ['an external entity (http)', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><Document>&x;</Document>'],
      [
        'billion laughs',
        `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><Document>&j;</Document>`,
      ],
      ['not well-formed', '<Document><FIToFICstmrCdtTrf></Document>'],
    ])('%s: 400 validation_failed, fast, nothing read', async (_name, xml) => {
      const t0 = started();
      const answer = await postXml(debtor, '/v1/iso20022/pacs.008', xml);
      expect(answer).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
      expect(answer.text).not.toContain('root:');
      expect(performance.now() - t0).toBeLessThan(5_000);
    });

    it('names the schema’s complaints as errors[] with their lines', async () => {
      const bad = pacs008([tx(0, { id: 'q_x', sendAmount: '1.00' })]).replace('<ChrgBr>', '<Nonsense>x</Nonsense><ChrgBr>');
      const answer = await postXml(debtor, '/v1/iso20022/pacs.008', bad);
      expect(answer.status).toBe(400);
      const errors = (answer.body as { errors: { path: string; message: string }[] }).errors;
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0].message).toMatch(/Nonsense/);
    });

    it('takes XML only on /v1/iso20022 and JSON everywhere else (415 otherwise)', async () => {
      const asJson = await postXml(debtor, '/v1/iso20022/pacs.008', '{"payments":[]}', randomUUID(), 'application/json');
      expect(asJson).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
      const xmlToJson = await postXml(debtor, '/v1/payments', '<Document/>');
      expect(xmlToJson).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    });
  });
});
