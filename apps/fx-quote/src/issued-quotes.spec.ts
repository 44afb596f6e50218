import { SignedQuote } from '@nostro/shared';
import { IssuedQuotes } from './issued-quotes';

const quote = (id: string, expiresAt: number) => ({ id, expiresAt: new Date(expiresAt).toISOString() }) as SignedQuote;

describe('IssuedQuotes (quotes this process signed, held in memory)', () => {
  const t0 = Date.parse('2026-11-22T08:00:00.000Z');

  it('answers a quote it issued until a minute after its expiry, then forgets it', () => {
    const issued = new IssuedQuotes();
    issued.add([quote('q_a', t0 + 30_000)], t0);
    expect(issued.get('q_a', t0 + 30_000)?.id).toBe('q_a');
    expect(issued.get('q_a', t0 + 89_999)?.id).toBe('q_a');
    expect(issued.get('q_a', t0 + 90_000)).toBeUndefined();
    expect(issued.size).toBe(0);
    expect(issued.get('q_other', t0)).toBeUndefined();
  });

  it('drops expired quotes when new ones arrive', () => {
    const issued = new IssuedQuotes();
    issued.add([quote('q_old', t0 + 1_000)], t0);
    issued.add([quote('q_new', t0 + 200_000)], t0 + 100_000);
    expect(issued.size).toBe(1);
    expect(issued.get('q_new', t0 + 100_000)?.id).toBe('q_new');
  });

  it('never holds more than its bound: the oldest go first', () => {
    const issued = new IssuedQuotes(3);
    issued.add([quote('q_1', t0 + 30_000), quote('q_2', t0 + 30_000)], t0);
    issued.add([quote('q_3', t0 + 30_000), quote('q_4', t0 + 30_000)], t0);
    expect(issued.size).toBe(3);
    expect(issued.get('q_1', t0)).toBeUndefined();
    expect(['q_2', 'q_3', 'q_4'].map((id) => issued.get(id, t0)?.id)).toEqual(['q_2', 'q_3', 'q_4']);
    issued.add(
      ['q_5', 'q_6', 'q_7', 'q_8'].map((id) => quote(id, t0 + 30_000)),
      t0,
    );
    expect(issued.size).toBe(3);
    expect(['q_6', 'q_7', 'q_8'].map((id) => issued.get(id, t0)?.id)).toEqual(['q_6', 'q_7', 'q_8']);
  });
});
