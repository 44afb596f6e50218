import fc from 'fast-check';
import { instant, money, reasonCode, uetr, xmlText } from '../testing/iso20022.arbitraries';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { checkInbound, validateXml } from '../xml/xsd-validation';
import { buildPacs004 } from './pacs004.builder';
import { parsePacs004 } from './pacs004.parser';
import { ReturnRequest } from './pacs004.types';

const UETR = '0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11';
const WHEN = { createdAt: new Date('2024-07-02T09:30:00Z'), settlementDate: '2024-07-02' };

describe('pacs.004 (return)', () => {
  it.each<[string, ReturnRequest]>([
    ['USD, AC04', { messageId: 'RTR-1', uetr: UETR, amount: { amount: '920.37', currency: 'EUR' }, reason: 'AC04' }],
    ['JPY, no digits', { messageId: 'RTR-2', uetr: UETR, amount: { amount: '148230', currency: 'JPY' }, reason: 'MS02' }],
    ['BHD, three digits', { messageId: 'RTR-3', uetr: UETR, amount: { amount: '10.125', currency: 'BHD' }, reason: 'FOCR' }],
    ['a proprietary reason', { messageId: 'RTR-4', uetr: UETR, amount: { amount: '0.01', currency: 'USD' }, reason: 'returned by agreement' }],
  ])('validates and reads back: %s', async (_name, request) => {
    const xml = buildPacs004({ ...request, ...WHEN });
    expect(await validateXml('pacs.004.001.10', xml)).toEqual({ valid: true, issues: [] });
    expect(parsePacs004(xml)).toEqual(request);
    expect(xml).toContain(`<RtrdIntrBkSttlmAmt Ccy="${request.amount.currency}">${request.amount.amount}</RtrdIntrBkSttlmAmt>`);
  });

  it('round-trips generated returns through the schema (property)', async () => {
    const returns = fc.record({ messageId: xmlText(35), uetr, amount: money, reason: reasonCode });
    const dates = fc.record({ createdAt: instant, settlementDate: instant.map((date) => date.toISOString().slice(0, 10)) });
    await fc.assert(
      fc.asyncProperty(returns, dates, async (request, when) => {
        const xml = buildPacs004({ ...request, ...when });
        await checkInbound('pacs.004.001.10', xml);
        expect(parsePacs004(xml)).toEqual(request);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('refuses a return without a reason or of no payment', () => {
    const xml = buildPacs004({ messageId: 'R', uetr: UETR, amount: { amount: '1.00', currency: 'USD' }, reason: 'AC01', ...WHEN });
    expect(() => parsePacs004(xml.replace(/<RtrRsnInf>[\s\S]*<\/RtrRsnInf>/, ''))).toThrow(XmlRefusedError);
    expect(() => parsePacs004(xml.replace(/<RtrRsnInf>[\s\S]*<\/RtrRsnInf>/, ''))).toThrow('PmtRtr/TxInf[0]/RtrRsnInf/Rsn: a return needs a reason');
    expect(() => parsePacs004(xml.replace(/<TxInf>[\s\S]*<\/TxInf>/, ''))).toThrow('PmtRtr/TxInf: exactly one transaction per message, not 0');
  });

  it('refuses to build an amount with the wrong digits or a bad settlement date', () => {
    expect(() => buildPacs004({ messageId: 'R', uetr: UETR, amount: { amount: '10.12', currency: 'JPY' }, reason: 'AC01', ...WHEN })).toThrow(
      /digits|minor unit/,
    );
    expect(() =>
      buildPacs004({ messageId: 'R', uetr: UETR, amount: { amount: '1.00', currency: 'USD' }, reason: 'AC01', ...WHEN, settlementDate: '2024-7-2' }),
    ).toThrow(/YYYY-MM-DD/);
  });
});
