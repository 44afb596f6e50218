import { ProblemError, parseOrProblem } from '@nostro/platform';
import { PaymentStatus } from '@nostro/shared';
import { PAYMENT_STATUSES, paymentFilterSchema, recallsQuerySchema } from './ops-query';

describe('payment list filters', () => {
  it('filter by every payment status there is, RESERVED (escrow) included', () => {
    expect([...PAYMENT_STATUSES].sort()).toEqual(Object.values(PaymentStatus).sort());
    expect(parseOrProblem(paymentFilterSchema, { status: 'RESERVED' })).toMatchObject({ status: 'RESERVED' });
  });

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

describe('open recalls query', () => {
  it('defaults to 50, bounds the page at 200, and refuses other parameters', () => {
    expect(parseOrProblem(recallsQuerySchema, {})).toEqual({ limit: 50 });
    expect(parseOrProblem(recallsQuerySchema, { limit: '200', cursor: 'c' })).toEqual({ limit: 200, cursor: 'c' });
    expect(() => parseOrProblem(recallsQuerySchema, { limit: '201' })).toThrow(ProblemError);
    expect(() => parseOrProblem(recallsQuerySchema, { status: 'PENDING' })).toThrow(ProblemError);
  });
});
