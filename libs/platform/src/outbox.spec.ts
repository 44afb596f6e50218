import { bySize } from './outbox';

const message = (bytes: number, tag = '') => ({ value: 'x'.repeat(bytes - tag.length) + tag });

describe("the outbox relay cuts a batch into produce requests under Kafka's message size", () => {
  it('keeps order and puts as many messages in a request as fit', () => {
    const chunks = bySize([message(300, 'a'), message(300, 'b'), message(300, 'c'), message(300, 'd')], 700);
    expect(chunks.map((c) => c.map((m) => m.value.at(-1)).join(''))).toEqual(['ab', 'cd']);
  });

  it('sends a message larger than the bound alone rather than never', () => {
    const chunks = bySize([message(100, 'a'), message(2_000, 'b'), message(100, 'c')], 700);
    expect(chunks.map((c) => c.map((m) => m.value.at(-1)).join(''))).toEqual(['a', 'b', 'c']);
  });

  it('counts bytes, not characters', () => {
    const euro = { value: '€'.repeat(200) }; // 600 bytes in UTF-8
    expect(bySize([euro, euro], 1_000)).toHaveLength(2);
    expect(bySize([], 1_000)).toEqual([]);
  });
});
