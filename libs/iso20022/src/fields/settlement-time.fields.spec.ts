import { buildPacs008Inbound } from '../pacs008/pacs008.builder';
import { parsePacs008 } from '../pacs008/pacs008.parser';
import { Pacs008Message } from '../pacs008/pacs008.types';
import { validateXml } from '../xml/xsd-validation';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { settlementDeadline } from './settlement-time.fields';

const PATH = 'FIToFICstmrCdtTrf/CdtTrfTxInf[0]/SttlmTmReq/TillTm';
const message = (extra: Partial<Pacs008Message['transactions'][number]>): Pacs008Message => ({
  messageId: 'MSG-1',
  createdAt: '2026-12-07T10:00:00Z',
  transactions: [
    {
      index: 0,
      quoteId: 'q-1',
      endToEndId: 'E2E-1',
      amount: '10.00',
      currency: 'USD',
      debtor: { name: 'A', account: 'A1' },
      creditor: { name: 'B', account: 'B1' },
      debtorAgent: 'BANKUS33',
      creditorAgent: 'BANKDE55',
      ...extra,
    },
  ],
});

describe('SttlmPrty and SttlmTmReq/TillTm in a pacs.008 (CdtTrfTxInf, schema-valid)', () => {
  it('reads TillTm, the settlement date it falls on and the priority; without them, nothing', async () => {
    const xml = buildPacs008Inbound(
      message({ settlementPriority: 'HIGH', settlementTime: { tillTime: '16:30:00+01:00', settlementDate: '2026-12-07', path: PATH } }),
    );
    expect(await validateXml('pacs.008.001.09', xml)).toEqual({ valid: true, issues: [] });
    expect(parsePacs008(xml).transactions[0]).toMatchObject({
      settlementPriority: 'HIGH',
      settlementTime: { tillTime: '16:30:00+01:00', settlementDate: '2026-12-07', path: PATH },
    });
    const plain = parsePacs008(buildPacs008Inbound(message({}))).transactions[0];
    expect(plain).not.toHaveProperty('settlementTime');
    expect(plain).not.toHaveProperty('settlementPriority');
  });

  it('takes the group header’s IntrBkSttlmDt when the transaction has none', () => {
    const xml = buildPacs008Inbound(message({ settlementTime: { tillTime: '12:00:00Z', path: PATH } })).replace(
      '<NbOfTxs>1</NbOfTxs>',
      '<NbOfTxs>1</NbOfTxs><IntrBkSttlmDt>2026-12-08</IntrBkSttlmDt>',
    );
    expect(parsePacs008(xml).transactions[0]?.settlementTime?.settlementDate).toBe('2026-12-08');
  });

  it('refuses a priority the schema does not know (Priority3Code: URGT, HIGH, NORM)', async () => {
    const xml = buildPacs008Inbound(message({ settlementPriority: 'LOW' as 'NORM' }));
    expect((await validateXml('pacs.008.001.09', xml)).valid).toBe(false);
  });
});

describe('settlementDeadline (the instant TillTm names)', () => {
  const now = new Date('2026-12-07T10:00:00.000Z');
  const at = (tillTime: string, settlementDate?: string) => settlementDeadline({ tillTime, settlementDate, path: PATH }, now).toISOString();

  it('is TillTm on the settlement date, in the time’s offset (UTC without one), to the millisecond', () => {
    expect(at('10:30:00Z')).toBe('2026-12-07T10:30:00.000Z');
    expect(at('10:30:00')).toBe('2026-12-07T10:30:00.000Z');
    expect(at('16:30:00+01:00', '2026-12-07')).toBe('2026-12-07T15:30:00.000Z');
    expect(at('09:00:00.250-05:00')).toBe('2026-12-07T14:00:00.250Z');
    expect(at('08:00:00Z', '2026-12-08')).toBe('2026-12-08T08:00:00.000Z');
    // Without a date, today is the date it is now in the time's offset: at 10:00 UTC it is already 8 December in +14:00.
    expect(at('23:30:00+14:00')).toBe('2026-12-08T09:30:00.000Z');
  });

  it('refuses what the schema lets through but no clock has, naming TillTm', () => {
    for (const [tillTime, date] of [
      ['24:00:00Z', undefined],
      ['10:30', undefined],
      ['10:30:00Z', '2026-02-30'],
    ] as const) {
      expect(() => at(tillTime, date)).toThrow(XmlRefusedError);
    }
    try {
      at('25:00:00Z');
    } catch (error) {
      expect((error as XmlRefusedError).issues[0]?.path).toBe(PATH);
    }
  });
});
