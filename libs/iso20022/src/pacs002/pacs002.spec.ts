import fc from 'fast-check';
import { instant, reasonCode, uetr, xmlText } from '../testing/iso20022.arbitraries';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { checkInbound, validateXml } from '../xml/xsd-validation';
import { buildPacs002 } from './pacs002.builder';
import { parsePacs002 } from './pacs002.parser';
import { GROUP_STATUSES, StatusReport, TX_STATUSES } from './pacs002.types';

const UETR = '0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11';

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    messageId: 'NOSTRO-STS-1',
    createdAt: new Date('2024-06-28T10:15:00.123Z'),
    originalMessageId: 'MSG-0001',
    originalMessageNameId: 'pacs.008.001.09',
    originalCreatedAt: '2024-06-28T10:14:59Z',
    groupStatus: 'PART',
    transactions: [
      { uetr: UETR, endToEndId: 'E2E-1', txId: 'q-1', status: 'RCVD' },
      { endToEndId: 'E2E-2', txId: 'q-2', status: 'RJCT', reason: { code: 'AB05' } },
    ],
    ...overrides,
  };
}

describe('buildPacs002 → parsePacs002', () => {
  it.each([
    ['the answer to a pacs.008: RCVD and RJCT, group PART', report()],
    [
      'a settled payment, no group status, no original date',
      report({ groupStatus: undefined, originalCreatedAt: undefined, transactions: [{ uetr: UETR, endToEndId: 'E', status: 'ACSC' }] }),
    ],
    [
      'NARR with the code in a long AddtlInf',
      report({
        transactions: [
          { uetr: UETR, endToEndId: 'E', txId: 'q', status: 'RJCT', reason: { code: 'NARR', additionalInfo: `uetr_conflict: ${'x'.repeat(200)}` } },
        ],
      }),
    ],
    ['every status', report({ transactions: TX_STATUSES.map((status, index) => ({ endToEndId: `E${index}`, status })) })],
  ])('validates and reads back: %s', async (_name, sent) => {
    const xml = buildPacs002(sent);
    expect(await validateXml('pacs.002.001.11', xml)).toEqual({ valid: true, issues: [] });
    expect(parsePacs002(xml)).toEqual(sent);
  });

  it('writes one TxInfAndSts per transaction, in the order API.md gives', () => {
    const xml = buildPacs002(report());
    expect(xml).toMatch(
      /<OrgnlGrpInfAndSts>\s*<OrgnlMsgId>MSG-0001<\/OrgnlMsgId>\s*<OrgnlMsgNmId>pacs.008.001.09<\/OrgnlMsgNmId>\s*<OrgnlCreDtTm>2024-06-28T10:14:59Z<\/OrgnlCreDtTm>\s*<GrpSts>PART<\/GrpSts>/,
    );
    expect(xml).toMatch(
      /<TxInfAndSts>\s*<OrgnlEndToEndId>E2E-2<\/OrgnlEndToEndId>\s*<OrgnlTxId>q-2<\/OrgnlTxId>\s*<TxSts>RJCT<\/TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>AB05<\/Cd>/,
    );
  });

  it('splits a long AddtlInf into 105-character pieces', () => {
    const xml = buildPacs002(report({ transactions: [{ endToEndId: 'E', status: 'RJCT', reason: { code: 'NARR', additionalInfo: 'é'.repeat(220) } }] }));
    expect(xml.match(/<AddtlInf>/g)).toHaveLength(3);
  });

  const statusReports = fc.record(
    {
      messageId: xmlText(35),
      createdAt: instant,
      originalMessageId: xmlText(35),
      originalMessageNameId: xmlText(35),
      originalCreatedAt: instant.map((date) => date.toISOString()),
      groupStatus: fc.constantFrom(...GROUP_STATUSES),
      transactions: fc.array(
        fc.record(
          {
            uetr,
            endToEndId: xmlText(35),
            txId: xmlText(35),
            status: fc.constantFrom(...TX_STATUSES),
            reason: fc.record({ code: reasonCode, additionalInfo: xmlText(300) }, { requiredKeys: ['code'] }),
          },
          { requiredKeys: ['endToEndId', 'status'] },
        ),
        { minLength: 1, maxLength: 20 },
      ),
    },
    { requiredKeys: ['messageId', 'createdAt', 'originalMessageId', 'originalMessageNameId', 'transactions'] },
  );

  it('round-trips generated status reports through the schema (property)', async () => {
    await fc.assert(
      fc.asyncProperty(statusReports, async (sent) => {
        const xml = buildPacs002(sent);
        await checkInbound('pacs.002.001.11', xml);
        expect(parsePacs002(xml)).toEqual(sent);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('round-trips generated status reports through the parser (property, more runs)', () => {
    fc.assert(
      fc.property(statusReports, (sent) => {
        expect(parsePacs002(buildPacs002(sent))).toEqual(sent);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a status it does not know, and a report without OrgnlGrpInfAndSts', () => {
    const unknown = buildPacs002(report()).replace('<TxSts>RCVD</TxSts>', '<TxSts>ACCC</TxSts>');
    expect(() => parsePacs002(unknown)).toThrow(XmlRefusedError);
    expect(() => parsePacs002(unknown)).toThrow('FIToFIPmtStsRpt/TxInfAndSts[0]/TxSts: ACCC is not one of RCVD, PDNG, ACSP, ACSC, RJCT, CANC, ACTC');
    const bare = buildPacs002(report()).replace(/<OrgnlGrpInfAndSts>[\s\S]*<\/OrgnlGrpInfAndSts>/, '');
    expect(() => parsePacs002(bare)).toThrow('FIToFIPmtStsRpt/OrgnlGrpInfAndSts: is required here');
  });
});
