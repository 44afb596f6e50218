import { newMessageId } from './message-id';
import { uuidSchema } from './schemas';

describe('newMessageId', () => {
  it('is a version 7 UUID that messages accept, and ids made later sort later', async () => {
    const first = newMessageId();
    expect(uuidSchema.safeParse(first).success).toBe(true);
    expect(first[14]).toBe('7');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const ids = Array.from({ length: 1_000 }, () => newMessageId());
    expect([first, ...ids]).toEqual([first, ...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });
});
