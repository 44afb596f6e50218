import { createHash } from 'node:crypto';
import { PREIMAGE_BYTES, conditionHash, newCondition } from './condition';

describe('newCondition (API.md "Conditional payments")', () => {
  it('draws a fresh 32-byte preimage and locks the payment with its SHA-256, expiring when asked', () => {
    const expiresAt = new Date('2031-01-02T03:04:05Z');
    const a = newCondition(expiresAt);
    const b = newCondition('2031-01-02T05:04:05+02:00');
    expect(a.condition).toEqual({ type: 'sha256', hash: expect.stringMatching(/^[0-9a-f]{64}$/), expiresAt: '2031-01-02T03:04:05.000Z' });
    expect(b.condition.expiresAt).toBe(a.condition.expiresAt);
    expect(a.preimage).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const bytes = Buffer.from(a.preimage, 'base64url');
    expect(bytes).toHaveLength(PREIMAGE_BYTES);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.condition.hash);
    expect(a.preimage).not.toBe(b.preimage);
    expect(a.condition.hash).not.toBe(b.condition.hash);
  });

  it('refuses an instant that is not one', () => {
    expect(() => newCondition('next week')).toThrow(TypeError);
    expect(() => newCondition(new Date(Number.NaN))).toThrow(TypeError);
  });
});

describe('conditionHash', () => {
  it('is the SHA-256 of the preimage bytes, lower-case hex (a known vector: "abc")', () => {
    expect(conditionHash(Buffer.from('abc').toString('base64url'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses what is not unpadded base64url', () => {
    for (const bad of ['', 'YWJj=', 'a+b/', 'x'.repeat(257)]) expect(() => conditionHash(bad)).toThrow(TypeError);
  });
});
