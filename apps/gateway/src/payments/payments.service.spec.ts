import { z } from 'zod';
import { itemUetr, parseUetr } from './payments.service';

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
