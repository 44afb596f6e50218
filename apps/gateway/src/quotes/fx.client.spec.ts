import { perBank } from './fx.client';

describe('perBank', () => {
  it('calls once with the items grouped by bank (in order of first appearance, each bank’s in order) and answers in item order', async () => {
    const items = [
      { participant: 'B', item: 'b1' },
      { participant: 'A', item: 'a1' },
      { participant: 'B', item: 'b2' },
      { participant: 'C', item: 'c1' },
      { participant: 'A', item: 'a2' },
    ];
    const calls: unknown[] = [];
    const results = await perBank(items, async (groups) => {
      calls.push(groups);
      return groups.map((g) => g.items.map((i) => `${g.participant}:${i}`));
    });
    expect(calls).toEqual([
      [
        { participant: 'B', items: ['b1', 'b2'] },
        { participant: 'A', items: ['a1', 'a2'] },
        { participant: 'C', items: ['c1'] },
      ],
    ]);
    expect(results).toEqual(['B:b1', 'A:a1', 'B:b2', 'C:c1', 'A:a2']);
  });

  it('fails every item when the call fails', async () => {
    await expect(perBank([{ participant: 'A', item: 1 }], () => Promise.reject(new Error('fx-quote down')))).rejects.toThrow('fx-quote down');
  });
});
