import fc from 'fast-check';
import { instant, money, participantId, party, uetr, xmlText } from '../testing/iso20022.arbitraries';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { checkInbound, validateXml } from '../xml/xsd-validation';
import { buildPacs008, buildPacs008Inbound } from './pacs008.builder';
import { parsePacs008 } from './pacs008.parser';
import { CreditorPacs008, Pacs008Message, Pacs008Transaction } from './pacs008.types';

const UETR = '0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11';

function transaction(overrides: Partial<Pacs008Transaction> = {}): Pacs008Transaction {
  return {
    index: 0,
    quoteId: 'q-7f3a',
    uetr: UETR,
    endToEndId: 'INV-2024-0001',
    amount: '1002.50',
    currency: 'USD',
    debtor: { name: 'Ada Lovelace', account: 'DE89370400440532013000' },
    creditor: { name: 'Björk Guðmundsdóttir & Co <Ltd>', account: 'acct:00042' },
    debtorAgent: 'BANKUS33',
    creditorAgent: 'BANKEU',
    remittanceInfo: 'invoice 42',
    ...overrides,
  };
}

function message(transactions: Pacs008Transaction[]): Pacs008Message {
  return { messageId: 'MSG-0001', createdAt: '2024-06-28T10:15:00.000Z', transactions: transactions.map((t, index) => ({ ...t, index })) };
}

function creditorView(overrides: Partial<CreditorPacs008> = {}): CreditorPacs008 {
  return {
    messageId: 'NOSTRO-0001',
    createdAt: new Date('2024-06-28T10:15:01.250Z'),
    settlementDate: '2024-06-28',
    uetr: UETR,
    endToEndId: 'INV-2024-0001',
    txId: 'q-7f3a',
    interbankSettlementAmount: { amount: '920.37', currency: 'EUR' },
    instructedAmount: { amount: '1002.50', currency: 'USD' },
    exchangeRate: '0.9180748129675810473815461346633416458853',
    charges: [{ amount: { amount: '2.50', currency: 'USD' }, agent: 'NOSTRO' }],
    debtor: { name: 'Ada Lovelace', account: 'DE89370400440532013000' },
    creditor: { name: 'Björk', account: 'acct:00042' },
    debtorAgent: 'BANKUS33',
    creditorAgent: 'BANKEUFFXXX',
    ...overrides,
  };
}

async function expectValid(xml: string): Promise<void> {
  expect(await validateXml('pacs.008.001.09', xml)).toEqual({ valid: true, issues: [] });
}

function refusal(xml: string): XmlRefusedError {
  try {
    parsePacs008(xml);
  } catch (error) {
    if (error instanceof XmlRefusedError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('buildPacs008Inbound → parsePacs008', () => {
  it.each([
    ['BICFI agents, UETR, USD', transaction()],
    ['Othr agents, no UETR, JPY', transaction({ uetr: undefined, amount: '1500', currency: 'JPY', debtorAgent: 'BANKA', creditorAgent: 'B2C3D4E5F6G' })],
    ['BHD with 3 digits, no remittance information', transaction({ amount: '10.125', currency: 'BHD', remittanceInfo: undefined })],
    ['CLF with 4 digits and a zero amount', transaction({ amount: '0.0000', currency: 'CLF' })],
  ])('validates and reads back: %s', async (_name, t) => {
    const xml = buildPacs008Inbound(message([t]));
    await expectValid(xml);
    expect(parsePacs008(xml)).toEqual(message([t]));
  });

  it('puts participant ids in BICFI when they are BICs, else in Othr/Id, and IBANs apart from other accounts', () => {
    const xml = buildPacs008Inbound(message([transaction()]));
    expect(xml).toContain('<BICFI>BANKUS33</BICFI>');
    expect(xml).toMatch(/<Othr>\s*<Id>BANKEU<\/Id>/);
    expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(xml).toMatch(/<Othr>\s*<Id>acct:00042<\/Id>/);
    expect(xml).toContain('<Nm>Björk Guðmundsdóttir &amp; Co &lt;Ltd&gt;</Nm>');
  });

  it('writes text that looks like references exactly, so it reads back as given', async () => {
    const tricky = transaction({ debtor: { name: 'Tom &amp; Jerry &x; &#65; &#x42; ]]> "q"', account: '&lt;acct&gt;' }, quoteId: '&q;' });
    const xml = buildPacs008Inbound(message([tricky]));
    expect(xml).toContain('<Nm>Tom &amp;amp; Jerry &amp;x; &amp;#65; &amp;#x42; ]]&gt; "q"</Nm>');
    await expectValid(xml);
    expect(parsePacs008(xml).transactions[0]).toEqual(tricky);
  });

  it('keeps 1,000 transactions under 1 MiB, and they validate and read back', async () => {
    const many = message(Array.from({ length: 1000 }, (_, index) => transaction({ quoteId: `q-${index}`, endToEndId: `E2E-${index}`, uetr: undefined })));
    const xml = buildPacs008Inbound(many);
    expect(Buffer.byteLength(xml)).toBeLessThan(1024 * 1024);
    await checkInbound('pacs.008.001.09', xml);
    const parsed = parsePacs008(xml);
    expect(parsed.transactions).toHaveLength(1000);
    expect(parsed.transactions[999]).toEqual({ ...many.transactions[999], index: 999 });
  }, 30_000);

  const payment = fc.record(
    {
      index: fc.constant(0),
      quoteId: xmlText(35),
      uetr,
      endToEndId: xmlText(35),
      amount: fc.constant(''),
      currency: fc.constant(''),
      debtor: party,
      creditor: party,
      debtorAgent: participantId,
      creditorAgent: participantId,
      remittanceInfo: xmlText(140),
    },
    { requiredKeys: ['index', 'quoteId', 'endToEndId', 'amount', 'currency', 'debtor', 'creditor', 'debtorAgent', 'creditorAgent'] },
  );
  const payments = fc.record({
    messageId: xmlText(35),
    createdAt: instant.map((date) => date.toISOString()),
    transactions: fc.array(fc.tuple(payment, money), { minLength: 1, maxLength: 20 }),
  });
  const asMessage = (p: typeof payments extends fc.Arbitrary<infer T> ? T : never): Pacs008Message => ({
    messageId: p.messageId,
    createdAt: p.createdAt,
    transactions: p.transactions.map(([t, m], index) => ({ ...t, index, amount: m.amount, currency: m.currency })),
  });

  it('round-trips generated payments through the schema (property)', async () => {
    await fc.assert(
      fc.asyncProperty(payments, async (generated) => {
        const sent = asMessage(generated);
        const xml = buildPacs008Inbound(sent);
        await checkInbound('pacs.008.001.09', xml);
        expect(parsePacs008(xml)).toEqual(sent);
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('round-trips generated payments through the guard and the parser (property, more runs)', () => {
    fc.assert(
      fc.property(payments, (generated) => {
        const sent = asMessage(generated);
        expect(parsePacs008(buildPacs008Inbound(sent))).toEqual(sent);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parsePacs008 refuses what a payment needs and the schema does not require', () => {
  const xml = buildPacs008Inbound(message([transaction(), transaction({ quoteId: 'q-2' })]));

  it.each([
    ['no TxId (the quote)', xml.replace('<TxId>q-2</TxId>', ''), 'FIToFICstmrCdtTrf/CdtTrfTxInf[1]/PmtId/TxId'],
    ['no debtor name', xml.replace('<Nm>Ada Lovelace</Nm>', ''), 'FIToFICstmrCdtTrf/CdtTrfTxInf[0]/Dbtr/Nm'],
    ['no creditor account', xml.replace(/<CdtrAcct>[\s\S]*?<\/CdtrAcct>/, ''), 'FIToFICstmrCdtTrf/CdtTrfTxInf[0]/CdtrAcct'],
    ['an NbOfTxs that does not match', xml.replace('<NbOfTxs>2</NbOfTxs>', '<NbOfTxs>3</NbOfTxs>'), 'FIToFICstmrCdtTrf/GrpHdr/NbOfTxs'],
    ['another message', xml.replaceAll('FIToFICstmrCdtTrf', 'FIToFIPmtStsRpt'), 'Document/FIToFICstmrCdtTrf'],
  ])('%s', (_name, broken, issuePath) => {
    expect(refusal(broken).issues[0]?.path).toBe(issuePath);
  });

  it('more than 1,000 transactions', () => {
    const many = buildPacs008Inbound(message(Array.from({ length: 1000 }, () => transaction())));
    const tooMany = many.replace('<NbOfTxs>1000</NbOfTxs>', '<NbOfTxs>1001</NbOfTxs>').replace('</CdtTrfTxInf>', '</CdtTrfTxInf><CdtTrfTxInf/>');
    expect(refusal(tooMany).issues[0]).toEqual({ path: 'FIToFICstmrCdtTrf/CdtTrfTxInf', message: 'at most 1000 transactions per message' });
  });

  it('joins several Ustrd with a space and cuts them to 140 characters', () => {
    const lines = `<Ustrd>${'a'.repeat(100)}</Ustrd><Ustrd>${'😀'.repeat(100)}</Ustrd>`;
    const parsed = parsePacs008(xml.replace('<Ustrd>invoice 42</Ustrd>', lines));
    expect(parsed.transactions[0]?.remittanceInfo).toBe(`${'a'.repeat(100)} ${'😀'.repeat(39)}`);
  });

  it('reads prefixed namespaces, character references and a lower-cased UETR', () => {
    const prefixed = xml
      .replace(/<(\/?)([A-Za-z])/g, '<$1p:$2')
      .replace('<p:Document xmlns=', '<p:Document xmlns:p=')
      .replace('Ada Lovelace', 'Ad&#xE1; &#76;ovelace')
      .replace(UETR, UETR.toUpperCase());
    const parsed = parsePacs008(prefixed).transactions[0];
    expect(parsed?.debtor.name).toBe('Adá Lovelace');
    expect(parsed?.uetr).toBe(UETR);
  });

  it('refuses to build a message without transactions', () => {
    expect(() => buildPacs008Inbound(message([]))).toThrow(/1 to 1000/);
  });
});

describe('buildPacs008 (the creditor bank view)', () => {
  it.each([
    ['one fee, BICFI creditor agent, a long rate', creditorView()],
    [
      'no fee, Othr agents, JPY received',
      creditorView({
        charges: [],
        interbankSettlementAmount: { amount: '148230', currency: 'JPY' },
        exchangeRate: '147.85',
        debtorAgent: 'BANKA',
        creditorAgent: 'BANKJP',
      }),
    ],
    [
      'several fees, BHD received, remittance information',
      creditorView({
        charges: [
          { amount: { amount: '1.00', currency: 'USD' }, agent: 'NOSTRO' },
          { amount: { amount: '0.50', currency: 'USD' }, agent: 'BANKUS33' },
          { amount: { amount: '0.125', currency: 'BHD' }, agent: 'BANKBHBMXXX' },
        ],
        interbankSettlementAmount: { amount: '377.437', currency: 'BHD' },
        exchangeRate: '0.376',
        remittanceInfo: 'rent, June',
      }),
    ],
  ])('validates: %s', async (_name, view) => {
    const xml = buildPacs008(view);
    await expectValid(xml);
    const read = parsePacs008(xml).transactions[0];
    expect(read).toMatchObject({
      quoteId: view.txId,
      uetr: view.uetr,
      amount: view.interbankSettlementAmount.amount,
      currency: view.interbankSettlementAmount.currency,
    });
    expect(xml).toContain(`<InstdAmt Ccy="${view.instructedAmount.currency}">${view.instructedAmount.amount}</InstdAmt>`);
    expect(xml).toContain(`<IntrBkSttlmDt>${view.settlementDate}</IntrBkSttlmDt>`);
    expect(xml).toContain('<ChrgBr>DEBT</ChrgBr>');
    expect(xml.match(/<ChrgsInf>/g) ?? []).toHaveLength(view.charges.length);
  });

  it.each([
    ['0.9180748129675810473815461346633416458853', '0.918074813'],
    ['147.85', '147.85'],
    ['0.00671234567891', '0.0067123457'],
    ['12345678901', '12345678901'],
    ['1.000000000000', '1'],
  ])('writes the rate %s with the digits BaseOneRate allows: %s', async (rate, written) => {
    const xml = buildPacs008(creditorView({ exchangeRate: rate }));
    expect(xml).toContain(`<XchgRate>${written}</XchgRate>`);
    await expectValid(xml);
  });

  it('refuses amounts that are not decimal strings with the currency digits, and bad dates', () => {
    expect(() => buildPacs008(creditorView({ instructedAmount: { amount: '1002.5', currency: 'JPY' } }))).toThrow(/digits|minor unit/);
    expect(() => buildPacs008(creditorView({ instructedAmount: { amount: '1e3', currency: 'USD' } }))).toThrow(/malformed/);
    expect(() => buildPacs008(creditorView({ instructedAmount: { amount: '-1.00', currency: 'USD' } }))).toThrow(/negative/);
    expect(() => buildPacs008(creditorView({ settlementDate: '28/06/2024' }))).toThrow(/YYYY-MM-DD/);
    expect(() => buildPacs008(creditorView({ exchangeRate: '123456789012' }))).toThrow(/integer digits/);
  });

  it('writes characters XML cannot carry as U+FFFD, so the document stays valid', async () => {
    const xml = buildPacs008(creditorView({ debtor: { name: 'Bad\u0001Name\r\n', account: 'acct-1' } }));
    expect(xml).toContain('<Nm>Bad\uFFFDName\n</Nm>');
    await expectValid(xml);
  });
});
