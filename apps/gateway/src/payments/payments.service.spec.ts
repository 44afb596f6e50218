import { z } from 'zod';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { queueForMsSchema } from '@nostro/shared';
import { paymentRequestSchema } from '../http/api.schemas';
import { intentLiquidity, itemUetr, parseUetr } from './payments.service';

describe('batch item uetrs', () => {
  it('are valid UUIDs, stable for the same batch and position, different otherwise', () => {
    const batch = '4f1b8a0e-6f55-4bd7-9d55-3f8b7b9f0c11';
    const first = itemUetr(batch, 0);
    expect(z.uuid().safeParse(first).success).toBe(true);
    expect(itemUetr(batch, 0)).toBe(first);
    const all = new Set(Array.from({ length: 1000 }, (_, i) => itemUetr(batch, i)));
    expect(all.size).toBe(1000);
    expect(itemUetr('0e5b2a8c-44f7-4c1a-a6a5-4b7f0e2d9a10', 0)).not.toBe(first);
  });
});

describe('cursors and path uetrs', () => {
  it('lower-cases a uetr and refuses a malformed one with its path', () => {
    expect(parseUetr('4F1B8A0E-6F55-4BD7-9D55-3F8B7B9F0C11')).toBe('4f1b8a0e-6f55-4bd7-9d55-3f8b7b9f0c11');
    expect(() => parseUetr("1' OR '1'='1")).toThrow(expect.objectContaining({ status: 400, errors: [{ path: 'path.uetr', message: 'must be a UUID' }] }));
  });
});

describe('liquidity on a payment request (API.md "Liquidity queue")', () => {
  const base = { quoteId: 'q-1', endToEndId: 'E2E-1', debtor: { name: 'A', account: 'A1' }, creditor: { name: 'B', account: 'B1' } };
  const parse = (liquidity: unknown) => parseOrProblem(paymentRequestSchema, { ...base, liquidity });
  const refusal = (liquidity: unknown) => {
    try {
      parse(liquidity);
    } catch (error) {
      return error as ProblemError;
    }
    throw new Error('accepted');
  };

  it('queues for queueFor seconds: the intent carries the time in ms; reject and none carry nothing', () => {
    expect(intentLiquidity(parse({ onShortfall: 'queue', queueFor: 90 }))).toEqual({ liquidity: { onShortfall: 'queue', queueForMs: 90_000 } });
    expect(intentLiquidity(parse({ onShortfall: 'queue', queueFor: 86_400 }))).toEqual({ liquidity: { onShortfall: 'queue', queueForMs: 86_400_000 } });
    expect(intentLiquidity(parse({ onShortfall: 'reject' }))).toEqual({});
    expect(intentLiquidity(parseOrProblem(paymentRequestSchema, base))).toEqual({});
    // What the intent carries is what settlement's schema accepts, at both ends of the range.
    for (const queueFor of [1, 86_400]) {
      expect(queueForMsSchema.safeParse(intentLiquidity(parse({ onShortfall: 'queue', queueFor })).liquidity?.queueForMs).success).toBe(true);
    }
  });

  it.each([
    [{ onShortfall: 'queue' }, 'liquidity.queueFor'],
    [{ onShortfall: 'queue', queueFor: 0 }, 'liquidity.queueFor'],
    [{ onShortfall: 'queue', queueFor: 86_401 }, 'liquidity.queueFor'],
    [{ onShortfall: 'queue', queueFor: 1.5 }, 'liquidity.queueFor'],
    [{ onShortfall: 'queue', queueFor: '60' }, 'liquidity.queueFor'],
    [{ onShortfall: 'reject', queueFor: 60 }, 'liquidity.queueFor'],
    [{ onShortfall: 'wait', queueFor: 60 }, 'liquidity.onShortfall'],
    [{ onShortfall: 'queue', queueFor: 60, priority: 'high' }, 'liquidity'],
    ['queue', 'liquidity'],
  ])('refuses %j as 400 validation_failed at %s', (liquidity, path) => {
    const error = refusal(liquidity);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });
});
