import fc from 'fast-check';
import { inclusionProof, merkleRoot, merkleTreeProofs } from './merkle';
import { inclusionProofFast, inclusionProofsFast, merkleRootFast } from './merkle-fast';

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

  it('refuses an index outside the tree', () => {
    expect(() => inclusionProofFast(['a'], 1)).toThrow(RangeError);
  });
});
