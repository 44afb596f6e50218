import fc from 'fast-check';
import { inclusionProof, merkleRoot, merkleTreeProofs, verifyInclusion } from './merkle';
import { inclusionProofFast, inclusionProofsFast, merkleRootFast, rootFromPathFast } from './merkle-fast';

const utf8 = new TextEncoder();

describe('merkle-fast agrees with the portable RFC 6962 reference (noble engine; shared-node checks it under OpenSSL)', () => {
  it('gives the same root for any list of byte leaves, including the empty tree', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), (leaves) => {
        expect(merkleRootFast(leaves)).toBe(merkleRoot(leaves));
      }),
    );
  });

  it('hashes string leaves as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 20 }), (texts) => {
        expect(merkleRootFast(texts)).toBe(merkleRoot(texts.map((t) => utf8.encode(t))));
      }),
    );
  });

  it('gives the same inclusion proof for every leaf', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 40 }), fc.nat(), (leaves, seed) => {
        const index = seed % leaves.length;
        expect(inclusionProofFast(leaves, index)).toEqual(inclusionProof(leaves, index));
      }),
    );
  });

  it('gives the proof of every leaf and the root in one pass, as the reference does', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 40 }), (leaves) => {
        expect(inclusionProofsFast(leaves)).toEqual(merkleTreeProofs(leaves));
      }),
    );
  });

  it('computes from each leaf and its path the root the reference verifies, and no root from a path of another shape', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 40 }), fc.nat(), (leaves, seed) => {
        const index = seed % leaves.length;
        const { root, proofs } = merkleTreeProofs(leaves);
        const { siblings, leafHash } = proofs[index];
        expect(rootFromPathFast(leaves[index], index, leaves.length, siblings)).toBe(root);
        expect(verifyInclusion({ leafHash, leafIndex: index, treeSize: leaves.length, siblings, root })).toBe(true);
        // The same path under another size or index implies another root, or none, unless both trees agree there.
        const other = rootFromPathFast(leaves[index], index, leaves.length + 1, siblings);
        if (other !== null) expect(verifyInclusion({ leafHash, leafIndex: index, treeSize: leaves.length + 1, siblings, root: other })).toBe(true);
        expect(rootFromPathFast(leaves[index], index, leaves.length, [...siblings, '00'.repeat(32)])).toBeNull();
      }),
    );
    expect(rootFromPathFast('a', 0, 2, [])).toBeNull();
    expect(rootFromPathFast('a', 2, 2, ['00'.repeat(32)])).toBeNull();
    expect(rootFromPathFast('a', 0, 2, ['not hex'])).toBeNull();
    expect(rootFromPathFast('a', 0, 1, [])).toBe(merkleRoot([utf8.encode('a')]));
  });

  it('refuses an index outside the tree', () => {
    expect(() => inclusionProofFast(['a'], 1)).toThrow(RangeError);
  });
});
