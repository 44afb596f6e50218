import { buildPacs008Inbound } from '../pacs008/pacs008.builder';
import { parsePacs008 } from '../pacs008/pacs008.parser';
import { Pacs008Message, Pacs008Transaction } from '../pacs008/pacs008.types';
import { XmlRefusedError } from '../xml/xml-refused.error';
import { validateXml } from '../xml/xsd-validation';
import { checkCondition, PaymentCondition } from './condition.fields';

const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const COND = 'FIToFICstmrCdtTrf/CdtTrfTxInf[0]/SplmtryData[0]/Envlp/Cond';
const condition = (extra: Partial<PaymentCondition> = {}): PaymentCondition => ({
  type: 'SHA256',
  hash: HASH,
  expiresAt: '2026-12-20T10:00:00Z',
  path: COND,
  ...extra,
});
const message = (extra: Partial<Pacs008Transaction>): Pacs008Message => ({
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
/** A pacs.008 whose transaction carries `data` (one or more SplmtryData) after RmtInf, where the schema puts it. */
const withSupplementary = (data: string): string => buildPacs008Inbound(message({ remittanceInfo: 'r' })).replace('</RmtInf>', `</RmtInf>${data}`);
const envelope = (content: string, place = 'CdtTrfTxInf/Condition') => `<SplmtryData><PlcAndNm>${place}</PlcAndNm><Envlp>${content}</Envlp></SplmtryData>`;
const refusal = (fn: () => unknown): { path: string; message: string } => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(XmlRefusedError);
    return (error as XmlRefusedError).issues[0] as { path: string; message: string };
  }
  throw new Error('not refused');
};

describe('a condition in a pacs.008 (SplmtryData/Envlp/Cond in urn:nostro:condition:1, on CdtTrfTxInf)', () => {
  it('is written by the builder, valid against the official XSD, and read back as sent', async () => {
    const xml = buildPacs008Inbound(message({ condition: condition() }));
    expect(xml.replace(/\n/g, '')).toContain(
      `<SplmtryData><PlcAndNm>CdtTrfTxInf/Condition</PlcAndNm><Envlp><Cond xmlns="urn:nostro:condition:1"><Tp>SHA256</Tp><Hash>${HASH}</Hash>`,
    );
    expect(await validateXml('pacs.008.001.09', xml)).toEqual({ valid: true, issues: [] });
    expect(parsePacs008(xml).transactions[0]?.condition).toEqual(condition());
    expect(parsePacs008(buildPacs008Inbound(message({}))).transactions[0]).not.toHaveProperty('condition');
  });

  it('reads a prefixed Cond, among other envelopes, without PlcAndNm; surrounding whitespace is trimmed', async () => {
    const xml = withSupplementary(
      envelope('<x:Other xmlns:x="urn:bank:x"><x:Ref>1</x:Ref></x:Other>', 'CdtTrfTxInf/Other') +
        `<SplmtryData><Envlp>\n  <n:Cond xmlns:n="urn:nostro:condition:1"><n:Tp> SHA256 </n:Tp><n:Hash>${HASH}</n:Hash><n:XpryDtTm>2026-12-20T11:00:00+01:00</n:XpryDtTm></n:Cond>\n</Envlp></SplmtryData>`,
    );
    expect(await validateXml('pacs.008.001.09', xml)).toEqual({ valid: true, issues: [] });
    expect(parsePacs008(xml).transactions[0]?.condition).toEqual({
      type: 'SHA256',
      hash: HASH,
      expiresAt: '2026-12-20T11:00:00+01:00',
      path: 'FIToFICstmrCdtTrf/CdtTrfTxInf[0]/SplmtryData[1]/Envlp/Cond',
    });
  });

  it('ignores an envelope that is not Nostro’s: another namespace, or a Cond in the message’s own', () => {
    const other = withSupplementary(envelope('<Cond xmlns="urn:bank:x"><Tp>SHA256</Tp></Cond>', 'CdtTrfTxInf/Other'));
    expect(parsePacs008(other).transactions[0]).not.toHaveProperty('condition');
    const unqualified = withSupplementary(envelope(`<Cond><Tp>SHA256</Tp><Hash>${HASH}</Hash></Cond>`, 'Somewhere'));
    expect(parsePacs008(unqualified).transactions[0]).not.toHaveProperty('condition');
  });

  it.each([
    ['a missing field', `<Tp>SHA256</Tp><Hash>${HASH}</Hash>`, `${COND}/XpryDtTm`, 'required'],
    ['a repeated field', `<Tp>SHA256</Tp><Tp>SHA256</Tp><Hash>${HASH}</Hash><XpryDtTm>2026-12-20T10:00:00Z</XpryDtTm>`, `${COND}/Tp`, 'repeated'],
    ['an unknown field', `<Tp>SHA256</Tp><Hash>${HASH}</Hash><XpryDtTm>2026-12-20T10:00:00Z</XpryDtTm><Memo>x</Memo>`, `${COND}/Memo`, 'not a field'],
    ['a field with elements in it', `<Tp><Cd>SHA256</Cd></Tp><Hash>${HASH}</Hash><XpryDtTm>2026-12-20T10:00:00Z</XpryDtTm>`, `${COND}/Tp`, 'text only'],
  ])('refuses the message for %s, naming it', async (_name, fields, path, words) => {
    const xml = withSupplementary(envelope(`<Cond xmlns="urn:nostro:condition:1">${fields}</Cond>`));
    expect((await validateXml('pacs.008.001.09', xml)).valid).toBe(true);
    const issue = refusal(() => parsePacs008(xml));
    expect(issue.path).toBe(path);
    expect(issue.message).toContain(words);
  });

  it('refuses two conditions on one transaction, and a CdtTrfTxInf/Condition envelope that is not a Cond', () => {
    const one = envelope(`<Cond xmlns="urn:nostro:condition:1"><Tp>SHA256</Tp><Hash>${HASH}</Hash><XpryDtTm>2026-12-20T10:00:00Z</XpryDtTm></Cond>`);
    expect(refusal(() => parsePacs008(withSupplementary(one + one))).path).toBe('FIToFICstmrCdtTrf/CdtTrfTxInf[0]/SplmtryData[1]/Envlp/Cond');
    // A prefix declared outside the envelope is not seen: rather than pay without the condition, the message is refused.
    const outside = withSupplementary(envelope(`<n:Cond><n:Tp>SHA256</n:Tp></n:Cond>`)).replace('<Document ', '<Document xmlns:n="urn:nostro:condition:1" ');
    expect(refusal(() => parsePacs008(outside)).path).toBe('FIToFICstmrCdtTrf/CdtTrfTxInf[0]/SplmtryData[0]/Envlp');
    const unnamed = outside.replace('<PlcAndNm>CdtTrfTxInf/Condition</PlcAndNm>', '');
    expect(refusal(() => parsePacs008(unnamed)).message).toContain('declare urn:nostro:condition:1');
  });
});

describe('checkCondition (the form the JSON API takes)', () => {
  it('gives the API’s condition', () => {
    expect(checkCondition(condition())).toEqual({ type: 'sha256', hash: HASH, expiresAt: '2026-12-20T10:00:00Z' });
    expect(checkCondition(condition({ expiresAt: '2026-12-20T10:00:00.5-05:00' })).expiresAt).toBe('2026-12-20T10:00:00.5-05:00');
  });

  it.each([
    ['an unknown type', { type: 'SHA512' }, 'Tp'],
    ['a lower-case type', { type: 'sha256' }, 'Tp'],
    ['an upper-case hash', { hash: HASH.toUpperCase() }, 'Hash'],
    ['a short hash', { hash: HASH.slice(1) }, 'Hash'],
    ['a hash that is not hex', { hash: `${HASH.slice(1)}g` }, 'Hash'],
    ['a time without a zone', { expiresAt: '2026-12-20T10:00:00' }, 'XpryDtTm'],
    ['a date alone', { expiresAt: '2026-12-20' }, 'XpryDtTm'],
    ['an hour no clock has', { expiresAt: '2026-12-20T24:00:00Z' }, 'XpryDtTm'],
    ['a day no calendar has', { expiresAt: '2026-02-30T10:00:00Z' }, 'XpryDtTm'],
  ])('refuses %s, naming the field', (_name, extra, field) => {
    expect(refusal(() => checkCondition(condition(extra))).path).toBe(`${COND}/${field}`);
  });
});
