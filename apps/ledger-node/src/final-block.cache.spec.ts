import { LedgerLeaf, inclusionProofFast, leafJson } from '@nostro/shared';
import { FinalBlockCache } from './final-block.cache';

const leaf = (i: number): LedgerLeaf =>
  ({
    kind: 'transfer',
    id: `tx-${i}`,
    uetr: `tx-${i}`,
    postings: [
      { account: 'A:USD', currency: 'USD', amount: String(-i) },
      { account: 'B:USD', currency: 'USD', amount: String(i) },
    ],
    outcome: { status: 'accepted' },
  }) as LedgerLeaf;

describe('FinalBlockCache', () => {
  it('answers the same proof for every transaction as computing it alone', async () => {
    for (const size of [1, 2, 3, 7, 64, 100]) {
      const leaves = Array.from({ length: size }, (_, i) => leaf(i));
      const { proofs } = await new FinalBlockCache().proofs('h1', async () => leaves);
      proofs.forEach((proof, i) => expect(proof).toEqual(inclusionProofFast(leaves.map(leafJson), i)));
    }
  });

  it('reads a block once while it stays among the most recently asked, and forgets the least recent', async () => {
    const cache = new FinalBlockCache(2);
    const loads: number[] = [];
    const load = (height: number) => async () => {
      loads.push(height);
      return [leaf(height)];
    };
    await cache.proofs('h1', load(1));
    await cache.proofs('h2', load(2));
    await cache.proofs('h1', load(1)); // cached; h1 becomes the most recent
    await cache.proofs('h3', load(3)); // evicts h2
    await cache.proofs('h1', load(1));
    await cache.proofs('h2', load(2));
    expect(loads).toEqual([1, 2, 3, 2]);
  });
});
