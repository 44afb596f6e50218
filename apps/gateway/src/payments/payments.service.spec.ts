import { z } from 'zod';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { paymentIntentSchema, queueForMsSchema } from '@nostro/shared';
import { CONDITION_TTL_MS_MAX, paymentRequestSchema } from '../http/api.schemas';
import { intentCondition, intentLiquidity, itemUetr, parseUetr } from './payments.service';

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

describe('a condition on a payment request (API.md "Conditional payments")', () => {
  const base = { quoteId: 'q-1', endToEndId: 'E2E-1', debtor: { name: 'A', account: 'A1' }, creditor: { name: 'B', account: 'B1' } };
  const hash = 'ab'.repeat(32);
  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
  const parse = (condition: unknown) => parseOrProblem(paymentRequestSchema, { ...base, condition });
  const refusal = (condition: unknown) => {
    try {
      parse(condition);
    } catch (error) {
      return error as ProblemError;
    }
    throw new Error('accepted');
  };

  it('passes { type, hash, expiresAt as Unix ms } on the intent; an ordinary payment carries none', () => {
    const expiresAt = '2031-01-02T03:04:05.000Z';
    jest.useFakeTimers({ now: Date.parse('2031-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      expect(intentCondition(parse({ type: 'sha256', hash, expiresAt }))).toEqual({ condition: { type: 'sha256', hash, expiresAt: Date.parse(expiresAt) } });
      // Another offset is the same instant.
      expect(intentCondition(parse({ type: 'sha256', hash, expiresAt: '2031-01-02T05:04:05+02:00' })).condition?.expiresAt).toBe(Date.parse(expiresAt));
    } finally {
      jest.useRealTimers();
    }
    expect(intentCondition(parseOrProblem(paymentRequestSchema, base))).toEqual({});
    // What the intent carries is what settlement's schema accepts.
    const intent = intentCondition(parse({ type: 'sha256', hash, expiresAt: inMs(CONDITION_TTL_MS_MAX - 60_000) }));
    expect(paymentIntentSchema.shape.condition.safeParse(intent.condition).success).toBe(true);
  });

  it.each([
    [{ type: 'sha256', hash: 'AB'.repeat(32), expiresAt: inMs(60_000) }, 'condition.hash'],
    [{ type: 'sha256', hash: 'ab'.repeat(31), expiresAt: inMs(60_000) }, 'condition.hash'],
    [{ type: 'sha256', hash: 'zz'.repeat(32), expiresAt: inMs(60_000) }, 'condition.hash'],
    [{ type: 'sha512', hash, expiresAt: inMs(60_000) }, 'condition.type'],
    [{ hash, expiresAt: inMs(60_000) }, 'condition.type'],
    [{ type: 'sha256', hash, expiresAt: inMs(-1_000) }, 'condition.expiresAt'],
    [{ type: 'sha256', hash, expiresAt: inMs(CONDITION_TTL_MS_MAX + 60_000) }, 'condition.expiresAt'],
    [{ type: 'sha256', hash, expiresAt: 'tomorrow' }, 'condition.expiresAt'],
    [{ type: 'sha256', hash, expiresAt: Date.now() + 60_000 }, 'condition.expiresAt'],
    [{ type: 'sha256', hash }, 'condition.expiresAt'],
    [{ type: 'sha256', hash, expiresAt: inMs(60_000), preimage: 'x' }, 'condition'],
    [hash, 'condition'],
  ])('refuses %j as 400 validation_failed at %s', (condition, path) => {
    const error = refusal(condition);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.errors?.map((e) => e.path)).toContain(path);
  });
});
