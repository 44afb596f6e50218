import fc from 'fast-check';
import { amountIn, currency, instant, participantId, uetr, xmlText } from '../testing/iso20022.arbitraries';
import { readIsoMessage } from '../xml/xml-reader';
import { validateXml } from '../xml/xsd-validation';
import { buildCamt053 } from './camt053.builder';
import { parseCamt053 } from './camt053.parser';
import { EntryKind, Statement, StatementEntry } from './camt053.types';

const UETR = '0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11';

function entry(overrides: Partial<StatementEntry> = {}): StatementEntry {
  return {
    entryRef: 'e-101',
    amount: { amount: '1002.50', currency: 'USD' },
    direction: 'debit',
    bookingDate: new Date('2024-06-28T10:15:02Z'),
    kind: 'payment',
    uetr: UETR,
    endToEndId: 'INV-2024-0001',
    counterparty: 'BANKEUFF',
    reference: 'invoice 42',
    ...overrides,
  };
}

function statement(overrides: Partial<Statement> = {}): Statement {
  return {
    messageId: 'STMT-MSG-1',
    createdAt: new Date('2024-06-29T00:05:00Z'),
    statementId: 'BANKUS33:USD:2024-06-28',
    account: { id: 'BANKUS33:USD', currency: 'USD', owner: 'Bank of Examples, N.A.' },
    from: new Date('2024-06-28T00:00:00Z'),
    to: new Date('2024-06-28T23:59:59.999Z'),
    interim: false,
    openingBalance: { amount: '5000.00', currency: 'USD' },
    closingBalance: { amount: '4100.00', currency: 'USD' },
    entries: [
      entry(),
      entry({
        entryRef: 'e-102',
        amount: { amount: '2.50', currency: 'USD' },
        kind: 'fee',
        uetr: undefined,
        endToEndId: undefined,
        counterparty: 'NOSTRO',
        reference: undefined,
      }),
      entry({
        entryRef: 'e-103',
        amount: { amount: '105.00', currency: 'USD' },
        direction: 'credit',
        kind: 'return',
        counterparty: 'BANKB',
        reference: 'AC04',
      }),
    ],
    ...overrides,
  };
}

async function expectValid(xml: string): Promise<void> {
  expect(await validateXml('camt.053.001.08', xml)).toEqual({ valid: true, issues: [] });
}

describe('buildCamt053', () => {
  it.each<[string, Statement]>([
    ['a day of USD payments, fees and a return', statement()],
    [
      'a negative closing balance',
      statement({ openingBalance: { amount: '100.00', currency: 'USD' }, closingBalance: { amount: '-902.50', currency: 'USD' }, entries: [entry()] }),
    ],
    [
      'a negative opening balance and a deposit without a counterparty',
      statement({ openingBalance: { amount: '-0.01', currency: 'USD' }, entries: [entry({ direction: 'credit', kind: 'deposit', counterparty: undefined })] }),
    ],
    [
      'an interim JPY statement',
      statement({
        interim: true,
        account: { id: 'BANKJP:JPY', currency: 'JPY', owner: '例示銀行' },
        openingBalance: { amount: '1500', currency: 'JPY' },
        closingBalance: { amount: '0', currency: 'JPY' },
        entries: [entry({ amount: { amount: '1500', currency: 'JPY' }, kind: 'withdrawal', counterparty: undefined, uetr: undefined, endToEndId: undefined })],
      }),
    ],
    [
      'BHD with three digits',
      statement({
        account: { id: 'BANKBHBM:BHD', currency: 'BHD', owner: 'Example Bank B.S.C.' },
        openingBalance: { amount: '10.125', currency: 'BHD' },
        closingBalance: { amount: '20.250', currency: 'BHD' },
        entries: [entry({ amount: { amount: '10.125', currency: 'BHD' }, direction: 'credit', counterparty: 'BANKA' })],
      }),
    ],
    ['no entries', statement({ entries: [], closingBalance: { amount: '5000.00', currency: 'USD' } })],
  ])('validates and reads back: %s', async (_name, s) => {
    const xml = buildCamt053(s);
    await expectValid(xml);
    expect(parseCamt053(xml)).toEqual({
      messageId: s.messageId,
      statementId: s.statementId,
      accountId: s.account.id,
      interim: s.interim,
      openingBalance: s.openingBalance,
      closingBalance: s.closingBalance,
      entries: s.entries.map(({ entryRef, amount, direction }) => ({ entryRef, amount, direction })),
    });
  });

  it('writes a negative balance as DBIT with its absolute value', () => {
    const xml = buildCamt053(statement({ closingBalance: { amount: '-902.50', currency: 'USD' } }));
    expect(xml).toMatch(/<Cd>CLBD<\/Cd>\s*<\/CdOrPrtry>\s*<\/Tp>\s*<Amt Ccy="USD">902.50<\/Amt>\s*<CdtDbtInd>DBIT<\/CdtDbtInd>/);
    expect(xml).toMatch(/<Cd>OPBD<\/Cd>\s*<\/CdOrPrtry>\s*<\/Tp>\s*<Amt Ccy="USD">5000.00<\/Amt>\s*<CdtDbtInd>CRDT<\/CdtDbtInd>/);
  });

  it('sums the entries in TxsSummry with the currency digits', () => {
    const summary = readIsoMessage(buildCamt053(statement()), 'BkToCstmrStmt').required('Stmt', 'TxsSummry');
    expect(summary.textAt('TtlNtries', 'NbOfNtries')).toBe('3');
    expect(summary.textAt('TtlNtries', 'Sum')).toBe('1110.00');
    expect(summary.textAt('TtlNtries', 'TtlNetNtry', 'Amt')).toBe('900.00');
    expect(summary.textAt('TtlNtries', 'TtlNetNtry', 'CdtDbtInd')).toBe('DBIT');
    expect(summary.textAt('TtlCdtNtries', 'NbOfNtries')).toBe('1');
    expect(summary.textAt('TtlCdtNtries', 'Sum')).toBe('105.00');
    expect(summary.textAt('TtlDbtNtries', 'NbOfNtries')).toBe('2');
    expect(summary.textAt('TtlDbtNtries', 'Sum')).toBe('1005.00');
  });

  it('describes each entry: status, booking date, reference, kind, the payment references and the other bank', () => {
    const entries = readIsoMessage(buildCamt053(statement()), 'BkToCstmrStmt').required('Stmt').children('Ntry');
    const [payment, fee, returned] = entries;
    expect(payment?.textAt('NtryRef')).toBe('e-101');
    expect(payment?.textAt('Sts', 'Cd')).toBe('BOOK');
    expect(payment?.textAt('BookgDt', 'DtTm')).toBe('2024-06-28T10:15:02.000Z');
    expect(payment?.textAt('BkTxCd', 'Prtry', 'Cd')).toBe('PAYMENT');
    expect(payment?.textAt('NtryDtls', 'TxDtls', 'Refs', 'UETR')).toBe(UETR);
    expect(payment?.textAt('NtryDtls', 'TxDtls', 'Refs', 'EndToEndId')).toBe('INV-2024-0001');
    expect(payment?.textAt('NtryDtls', 'TxDtls', 'RltdAgts', 'CdtrAgt', 'FinInstnId', 'BICFI')).toBe('BANKEUFF');
    expect(payment?.textAt('NtryDtls', 'TxDtls', 'AddtlTxInf')).toBe('payment: invoice 42');
    expect(fee?.at('NtryDtls', 'TxDtls', 'Refs')).toBeUndefined();
    expect(fee?.textAt('NtryDtls', 'TxDtls', 'RltdAgts', 'CdtrAgt', 'FinInstnId', 'Othr', 'Id')).toBe('NOSTRO');
    expect(fee?.textAt('NtryDtls', 'TxDtls', 'AddtlTxInf')).toBe('fee');
    expect(returned?.textAt('CdtDbtInd')).toBe('CRDT');
    expect(returned?.textAt('NtryDtls', 'TxDtls', 'RltdAgts', 'DbtrAgt', 'FinInstnId', 'Othr', 'Id')).toBe('BANKB');
  });

  it('validates and reads back a statement of 2,000 entries, larger than a request may be', async () => {
    const entries = Array.from({ length: 2000 }, (_, index) => entry({ entryRef: `e-${index}`, amount: { amount: '1.00', currency: 'USD' } }));
    const xml = buildCamt053(statement({ entries, closingBalance: { amount: '3000.00', currency: 'USD' } }));
    expect(Buffer.byteLength(xml)).toBeGreaterThan(1024 * 1024);
    await expectValid(xml);
    expect(parseCamt053(xml).entries).toHaveLength(2000);
  }, 30_000);

  it('refuses entries in another currency, negative entry amounts and amounts with the wrong digits', () => {
    expect(() => buildCamt053(statement({ entries: [entry({ amount: { amount: '1.00', currency: 'EUR' } })] }))).toThrow(/in EUR, the account in USD/);
    expect(() => buildCamt053(statement({ entries: [entry({ amount: { amount: '-1.00', currency: 'USD' } })] }))).toThrow(/negative/);
    expect(() => buildCamt053(statement({ closingBalance: { amount: '1.5', currency: 'JPY' } }))).toThrow(/minor unit|digits/);
  });
});

describe('buildCamt053 → parseCamt053', () => {
  const kinds: EntryKind[] = ['payment', 'return', 'deposit', 'withdrawal', 'fee'];
  const statements = currency.chain((code) => {
    const amount = amountIn(code, 10n ** 15n);
    const balance = fc
      .tuple(amount, fc.boolean())
      .map(([m, negative]) => ({ amount: negative && /[1-9]/.test(m.amount) ? `-${m.amount}` : m.amount, currency: code }));
    const entries = fc.array(
      fc.record(
        {
          entryRef: xmlText(35),
          amount,
          direction: fc.constantFrom<StatementEntry['direction']>('credit', 'debit'),
          bookingDate: instant,
          kind: fc.constantFrom(...kinds),
          uetr,
          endToEndId: xmlText(35),
          counterparty: participantId,
          reference: xmlText(400),
        },
        { requiredKeys: ['entryRef', 'amount', 'direction', 'bookingDate', 'kind'] },
      ),
      { maxLength: 20 },
    );
    return fc.record({
      messageId: xmlText(35),
      createdAt: instant,
      statementId: xmlText(35),
      account: fc.record({ id: xmlText(34), currency: fc.constant(code), owner: xmlText(140) }),
      from: instant,
      to: instant,
      interim: fc.boolean(),
      openingBalance: balance,
      closingBalance: balance,
      entries,
    });
  });

  it('reads back balances and entries of generated statements, which validate (property)', async () => {
    await fc.assert(
      fc.asyncProperty(statements, async (s) => {
        const xml = buildCamt053(s);
        await expectValid(xml);
        expect(parseCamt053(xml)).toEqual({
          messageId: s.messageId,
          statementId: s.statementId,
          accountId: s.account.id,
          interim: s.interim,
          openingBalance: s.openingBalance,
          closingBalance: s.closingBalance,
          entries: s.entries.map(({ entryRef, amount, direction }) => ({ entryRef, amount, direction })),
        });
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
