import { queueUntil } from './iso20022.service';

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
