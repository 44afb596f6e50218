import fc from 'fast-check';
import { instant, participantId, reasonCode, uetr, xmlText } from '../testing/iso20022.arbitraries';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { checkInbound, validateXml } from '../xml/xsd-validation';
import { buildCamt029 } from './camt029.builder';
import { parseCamt029 } from './camt029.parser';
import { buildCamt056 } from './camt056.builder';
import { parseCamt056 } from './camt056.parser';
import { CaseAssignment, RecallAnswer, RecallRequest } from './recall.types';

const UETR = '0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11';
const CASE: CaseAssignment = { createdAt: new Date('2024-07-01T08:00:00Z'), assigner: 'BANKUS33', assignee: 'BANKB' };

function refusal(run: () => unknown): XmlRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof XmlRefusedError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('camt.056 (recall)', () => {
  it.each<[string, RecallRequest, CaseAssignment]>([
    ['DUPL with a comment, BICFI assigner, Othr assignee', { messageId: 'RCL-1', uetr: UETR, reason: 'DUPL', additionalInfo: 'sent twice' }, CASE],
    ['FRAD without a comment, Othr both ways', { messageId: 'RCL-2', uetr: UETR, reason: 'FRAD' }, { ...CASE, assigner: 'BANKA', assignee: 'BANKB' }],
    ['a proprietary reason and a long comment', { messageId: 'RCL-3', uetr: UETR, reason: 'customer asked', additionalInfo: 'ü'.repeat(250) }, CASE],
  ])('validates and reads back: %s', async (_name, request, assignment) => {
    const xml = buildCamt056({ ...request, ...assignment });
    expect(await validateXml('camt.056.001.09', xml)).toEqual({ valid: true, issues: [] });
    expect(parseCamt056(xml)).toEqual(request);
  });

  const requests = fc.record(
    { messageId: xmlText(35), uetr, reason: reasonCode, additionalInfo: xmlText(300) },
    { requiredKeys: ['messageId', 'uetr', 'reason'] },
  );
  const assignments = fc.record({ createdAt: instant, assigner: participantId, assignee: participantId });

  it('round-trips generated recalls through the schema (property)', async () => {
    await fc.assert(
      fc.asyncProperty(requests, assignments, async (request, assignment) => {
        const xml = buildCamt056({ ...request, ...assignment });
        await checkInbound('camt.056.001.09', xml);
        expect(parseCamt056(xml)).toEqual(request);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('refuses a recall of no payment, of two, or without a reason', () => {
    const xml = buildCamt056({ messageId: 'RCL-1', uetr: UETR, reason: 'DUPL', ...CASE });
    const underlying = /<Undrlyg>[\s\S]*<\/Undrlyg>/.exec(xml)?.[0] ?? '';
    expect(refusal(() => parseCamt056(xml.replace(underlying, `${underlying}${underlying}`))).issues[0]?.message).toBe(
      'exactly one transaction per message, not 2',
    );
    expect(refusal(() => parseCamt056(xml.replace(/<TxInf>[\s\S]*<\/TxInf>/, ''))).issues[0]?.path).toBe('FIToFIPmtCxlReq/Undrlyg/TxInf');
    expect(refusal(() => parseCamt056(xml.replace(/<Rsn>[\s\S]*<\/Rsn>/, ''))).issues[0]?.path).toBe('FIToFIPmtCxlReq/Undrlyg[0]/TxInf[0]/CxlRsnInf/Rsn');
  });
});

describe('camt.029 (the answer to a recall)', () => {
  it.each<[string, RecallAnswer]>([
    ['accept', { messageId: 'ANS-1', uetr: UETR, decision: 'accept' }],
    ['reject with CUST', { messageId: 'ANS-2', uetr: UETR, decision: 'reject', reason: 'CUST' }],
    ['reject with a proprietary reason', { messageId: 'ANS-3', uetr: UETR, decision: 'reject', reason: 'the customer is away' }],
  ])('validates and reads back: %s', async (_name, answer) => {
    const xml = buildCamt029({ ...answer, ...CASE });
    expect(await validateXml('camt.029.001.10', xml)).toEqual({ valid: true, issues: [] });
    expect(parseCamt029(xml)).toEqual(answer);
  });

  it('writes the decision as Sts/Conf, CxlStsId and TxCxlSts', () => {
    const accepted = buildCamt029({ messageId: 'A', uetr: UETR, decision: 'accept', ...CASE });
    expect(accepted).toMatch(/<Sts>\s*<Conf>CNCL<\/Conf>/);
    expect(accepted).toContain('<CxlStsId>CNCL</CxlStsId>');
    expect(accepted).toContain('<TxCxlSts>ACCR</TxCxlSts>');
    const rejected = buildCamt029({ messageId: 'A', uetr: UETR, decision: 'reject', reason: 'NOOR', ...CASE });
    expect(rejected).toMatch(/<Conf>RJCR<\/Conf>[\s\S]*<CxlStsId>RJCR<\/CxlStsId>[\s\S]*<TxCxlSts>RJCR<\/TxCxlSts>\s*<CxlStsRsnInf>\s*<Rsn>\s*<Cd>NOOR<\/Cd>/);
  });

  it('reads the decision from any one of the three places, as other hubs write it', () => {
    const full = buildCamt029({ messageId: 'A', uetr: UETR, decision: 'reject', reason: 'LEGL', ...CASE });
    const onlyConf = full.replace('<CxlStsId>RJCR</CxlStsId>', '').replace('<TxCxlSts>RJCR</TxCxlSts>', '');
    const onlyStatusId = full.replace(/<Sts>[\s\S]*?<\/Sts>/, '<Sts><Conf>RJCR</Conf></Sts>').replace('<TxCxlSts>RJCR</TxCxlSts>', '');
    for (const xml of [onlyConf, onlyStatusId]) expect(parseCamt029(xml)).toEqual({ messageId: 'A', uetr: UETR, decision: 'reject', reason: 'LEGL' });
  });

  it('refuses an answer whose places disagree, that says nothing, or a rejection without a reason', () => {
    const accepted = buildCamt029({ messageId: 'A', uetr: UETR, decision: 'accept', ...CASE });
    expect(refusal(() => parseCamt029(accepted.replace('<TxCxlSts>ACCR</TxCxlSts>', '<TxCxlSts>RJCR</TxCxlSts>'))).issues[0]).toEqual({
      path: 'RsltnOfInvstgtn/CxlDtls[0]/TxInfAndSts[0]/CxlStsId',
      message: 'contradicts RsltnOfInvstgtn/CxlDtls[0]/TxInfAndSts[0]/TxCxlSts',
    });
    expect(refusal(() => parseCamt029(accepted.replace('<Conf>CNCL</Conf>', '<Conf>PDCR</Conf>'))).issues[0]?.message).toBe('PDCR is not one of CNCL, RJCR');
    const silent = accepted
      .replace('<CxlStsId>CNCL</CxlStsId>', '')
      .replace('<TxCxlSts>ACCR</TxCxlSts>', '')
      .replace(/<Sts>[\s\S]*?<\/Sts>/, '<Sts><AssgnmtCxlConf>true</AssgnmtCxlConf></Sts>');
    expect(refusal(() => parseCamt029(silent)).issues[0]?.message).toMatch(/neither accept nor reject/);
    const rejected = buildCamt029({ messageId: 'A', uetr: UETR, decision: 'reject', ...CASE });
    expect(refusal(() => parseCamt029(rejected)).issues[0]?.message).toMatch(/a rejected recall needs a reason/);
  });

  const answers = fc.oneof(
    fc.record(
      { messageId: xmlText(35), uetr, decision: fc.constant<'accept'>('accept'), reason: reasonCode },
      { requiredKeys: ['messageId', 'uetr', 'decision'] },
    ),
    fc.record({ messageId: xmlText(35), uetr, decision: fc.constant<'reject'>('reject'), reason: reasonCode }),
  );

  it('round-trips generated answers through the schema (property)', async () => {
    await fc.assert(
      fc.asyncProperty(answers, fc.record({ createdAt: instant, assigner: participantId, assignee: participantId }), async (answer, assignment) => {
        const xml = buildCamt029({ ...answer, ...assignment });
        await checkInbound('camt.029.001.10', xml);
        expect(parseCamt029(xml)).toEqual(answer);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
