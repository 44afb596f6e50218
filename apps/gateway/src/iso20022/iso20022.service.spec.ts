import { conditionOf, queueUntil } from './iso20022.service';

const PATH = 'FIToFICstmrCdtTrf/CdtTrfTxInf[2]/SttlmTmReq/TillTm';
const now = new Date('2026-12-07T10:00:00.400Z');
const till = (tillTime: string, settlementDate?: string) => queueUntil({ tillTime, settlementDate, path: PATH }, now);

describe('SttlmTmReq/TillTm as a liquidity instruction (pacs.008)', () => {
  it('queues for the whole seconds until TillTm', () => {
    expect(till('10:30:00Z')).toEqual({ queueFor: 1799 });
    expect(till('10:00:01.400Z')).toEqual({ queueFor: 1 });
    expect(till('09:00:00Z', '2026-12-08')).toEqual({ queueFor: 82_799 });
    expect(till('11:30:00+01:00')).toEqual({ queueFor: 1799 });
    expect(till('10:00:00.400Z', '2026-12-08')).toEqual({ queueFor: 86_400 });
  });

  it.each([
    ['a time that has passed today', '09:59:59Z', undefined, 'has passed'],
    ['now itself', '10:00:00.400Z', undefined, 'has passed'],
    ['more than 24 h ahead', '10:00:02Z', '2026-12-08', 'more than 24 h ahead'],
    ['an earlier settlement date', '23:00:00Z', '2026-12-06', 'has passed'],
  ])('refuses %s as 400 validation_failed naming TillTm', (_name, tillTime, date, words) => {
    const r = till(tillTime, date);
    expect(r).toHaveProperty('refused');
    const refused = (r as { refused: { status: number; code: string; detail: string; errors?: { path: string }[] } }).refused;
    expect(refused).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: PATH }] });
    expect(refused.detail).toContain(words);
  });

  it('refuses a time no clock has, naming it', () => {
    expect(till('24:00:00Z')).toMatchObject({ refused: { status: 400, code: 'validation_failed', errors: [{ path: PATH }] } });
  });
});

describe('SplmtryData condition as the API’s condition (pacs.008)', () => {
  const COND = 'FIToFICstmrCdtTrf/CdtTrfTxInf[1]/SplmtryData[0]/Envlp/Cond';
  const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const cond = (expiresAt: string, extra: { type?: string; hash?: string } = {}) =>
    conditionOf({ type: 'SHA256', hash: HASH, expiresAt, path: COND, ...extra }, now);

  it('is the JSON API’s condition while it expires after now and at most 30 days ahead', () => {
    expect(cond('2026-12-07T10:00:00.401Z')).toEqual({ condition: { type: 'sha256', hash: HASH, expiresAt: '2026-12-07T10:00:00.401Z' } });
    expect(cond('2027-01-06T11:00:00.400+01:00')).toEqual({ condition: { type: 'sha256', hash: HASH, expiresAt: '2027-01-06T11:00:00.400+01:00' } });
  });

  it.each([
    ['a time that has passed', '2026-12-07T10:00:00.400Z', {}, 'XpryDtTm', 'must lie in the future'],
    ['more than 30 days ahead', '2027-01-06T10:00:00.401Z', {}, 'XpryDtTm', 'at most 30 days ahead'],
    ['a time without a zone', '2026-12-08T10:00:00', {}, 'XpryDtTm', 'not a date and time'],
    ['an upper-case hash', '2026-12-08T10:00:00Z', { hash: HASH.toUpperCase() }, 'Hash', 'lower-case hex'],
    ['another type', '2026-12-08T10:00:00Z', { type: 'SHA512' }, 'Tp', 'not a known condition type'],
  ])('refuses %s as 400 validation_failed naming the field', (_name, expiresAt, extra, field, words) => {
    const r = cond(expiresAt, extra);
    const refused = (r as { refused: { status: number; code: string; detail: string; errors?: { path: string }[] } }).refused;
    expect(refused).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: `${COND}/${field}` }] });
    expect(refused.detail).toContain(words);
  });
});
