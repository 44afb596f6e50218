import { ProblemError, parseOrProblem } from '@nostro/platform';
import { decodePaymentCursor, encodePaymentCursor, paymentFilterSchema } from './ops-query';

describe('payment list filters', () => {
  it('accepts every filter together and lower-cases the UETR', () => {
    const q = parseOrProblem(paymentFilterSchema, {
      status: 'HELD',
      participant: 'BANKUS33',
      side: 'debtor',
      sourceCurrency: 'USD',
      targetCurrency: 'EUR',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
      uetr: 'A1B2C3D4-0000-4000-8000-000000000001',
      endToEndId: 'INV-42',
      limit: '20',
    });
    expect(q).toMatchObject({ status: 'HELD', side: 'debtor', limit: 20, uetr: 'a1b2c3d4-0000-4000-8000-000000000001' });
  });

  it('refuses unknown parameters, bad statuses, reversed ranges and oversized pages with the field named', () => {
    const paths = (value: unknown) => {
      try {
        parseOrProblem(paymentFilterSchema, value, 'query');
        return [];
      } catch (error) {
        return ((error as ProblemError).errors ?? []).map((e) => e.path);
      }
    };
    expect(paths({ color: 'red' })).toEqual(['query']);
    expect(paths({ status: 'PAID' })).toEqual(['query.status']);
    expect(paths({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toEqual(['query.to']);
    expect(paths({ limit: '201' })).toEqual(['query.limit']);
    expect(paths({ sourceCurrency: 'XXZ' })).toEqual(['query.sourceCurrency']);
  });
});

describe('payment cursor', () => {
  it('round-trips the creation time with its microseconds', () => {
    const c = { createdAt: '2026-11-22T10:11:12.123456Z', uetr: '0b7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b10' };
    expect(decodePaymentCursor(encodePaymentCursor(c))).toEqual(c);
  });

  it('refuses a cursor it did not issue as a 400 validation problem', () => {
    for (const bad of ['', 'not-base64!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["2026-11-22T10:11:12Z","x"]').toString('base64url')]) {
      expect(() => decodePaymentCursor(bad)).toThrow(expect.objectContaining({ status: 400, code: 'validation_failed' }));
    }
  });
});
