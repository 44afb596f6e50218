import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { inclusionProof, merkleLeafHash, merkleNodeHash, merkleRoot, merkleTreeProofs, verifyInclusion } from './merkle';

/** RFC 6962 reference data as published by transparency-dev/merkle (testonly/constants.go, proof/verify_test.go). */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hexToBytes);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** Leaf indexes are 0-based here (the Go vectors count from 1). */
const PROOFS = [
  {
    leafIndex: 0,
    treeSize: 8,
    siblings: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leafIndex: 5,
    treeSize: 8,
    siblings: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leafIndex: 2, treeSize: 3, siblings: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leafIndex: 1,
    treeSize: 5,
    siblings: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';

function flipBit(hex: string): string {
  const bytes = hexToBytes(hex);
  bytes[0] ^= 8;
  return bytesToHex(bytes);
}

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree to SHA-256("")', () => {
    expect(merkleRoot([])).toBe(ROOTS[0]);
  });

  it.each(ROOTS.slice(1).map((root, i) => [i + 1, root]))('matches the reference root of the first %i leaves', (n, root) => {
    expect(merkleRoot(LEAVES.slice(0, n as number))).toBe(root);
    expect(merkleTreeProofs(LEAVES.slice(0, n as number)).root).toBe(root);
  });

  it('prefixes leaves with 0x00 and interior nodes with 0x01', () => {
    expect(bytesToHex(merkleLeafHash(new Uint8Array(0)))).toBe(ROOTS[1]);
    expect(bytesToHex(merkleNodeHash(merkleLeafHash(LEAVES[0]), merkleLeafHash(LEAVES[1])))).toBe(ROOTS[2]);
  });

  it('splits at the largest power of two below n, not at the midpoint', () => {
    const [a, b, c] = LEAVES.slice(0, 3).map(merkleLeafHash);
    expect(merkleRoot(LEAVES.slice(0, 3))).toBe(bytesToHex(merkleNodeHash(merkleNodeHash(a, b), c)));
  });
});

describe('inclusion proofs against the reference vectors', () => {
  it.each(PROOFS)('leaf $leafIndex of $treeSize: produced exactly and verified', ({ leafIndex, treeSize, siblings }) => {
    const leaves = LEAVES.slice(0, treeSize);
    const proof = inclusionProof(leaves, leafIndex);
    expect(proof).toEqual({ leafIndex, leafHash: bytesToHex(merkleLeafHash(LEAVES[leafIndex])), siblings });
    expect(merkleTreeProofs(leaves).proofs[leafIndex]).toEqual(proof);
    expect(verifyInclusion({ ...proof, treeSize, root: ROOTS[treeSize] })).toBe(true);
  });

  it.each(PROOFS)('leaf $leafIndex of $treeSize: every corruption is refused', ({ leafIndex, treeSize, siblings }) => {
    const leafHash = bytesToHex(merkleLeafHash(LEAVES[leafIndex]));
    const root = ROOTS[treeSize];
    const good = { leafHash, leafIndex, treeSize, siblings, root };
    const probes = [
      { ...good, leafIndex: leafIndex - 1 },
      { ...good, leafIndex: leafIndex + 1 },
      { ...good, leafIndex: leafIndex ^ 2 },
      { ...good, treeSize: treeSize * 2 },
      { ...good, treeSize: Math.floor(treeSize / 2) },
      { ...good, leafHash: SOME_HASH },
      { ...good, root: ROOTS[0] },
      { ...good, root: SOME_HASH },
      { ...good, siblings: [...siblings, root] },
      { ...good, siblings: [root, ...siblings] },
      { ...good, siblings: siblings.slice(0, -1) },
      { ...good, siblings: [siblings[0], SOME_HASH, ...siblings.slice(1)] },
      ...siblings.map((_, i) => ({ ...good, siblings: siblings.map((s, j) => (i === j ? flipBit(s) : s)) })),
    ];
    for (const probe of probes) expect(verifyInclusion(probe)).toBe(false);
  });
});

describe('verifyInclusion input checks', () => {
  const leafHash = bytesToHex(merkleLeafHash(LEAVES[0]));

  it('accepts the single-leaf tree, whose root is the leaf hash and whose path is empty', () => {
    expect(verifyInclusion({ leafHash, leafIndex: 0, treeSize: 1, siblings: [], root: leafHash })).toBe(true);
  });

  it.each([
    ['an empty tree', { leafIndex: 0, treeSize: 0 }],
    ['an index past the end', { leafIndex: 1, treeSize: 1 }],
    ['a negative index', { leafIndex: -1, treeSize: 1 }],
    ['a fractional index', { leafIndex: 0.5, treeSize: 1 }],
    ['an unsafe size', { leafIndex: 0, treeSize: 2 ** 60 }],
  ])('refuses %s', (_why, shape) => {
    expect(verifyInclusion({ leafHash, siblings: [], root: leafHash, ...shape })).toBe(false);
  });

  it.each([
    ['uppercase hex', leafHash.toUpperCase()],
    ['a short hash', leafHash.slice(2)],
    ['not hex', 'z'.repeat(64)],
  ])('refuses %s anywhere', (_why, bad) => {
    expect(verifyInclusion({ leafHash: bad, leafIndex: 0, treeSize: 1, siblings: [], root: leafHash })).toBe(false);
    expect(verifyInclusion({ leafHash, leafIndex: 0, treeSize: 1, siblings: [], root: bad })).toBe(false);
    const two = inclusionProof(LEAVES.slice(0, 2), 0);
    expect(verifyInclusion({ ...two, treeSize: 2, siblings: [bad], root: ROOTS[2] })).toBe(false);
  });

  it('inclusionProof refuses an index outside the tree', () => {
    expect(() => inclusionProof(LEAVES, 8)).toThrow(RangeError);
    expect(() => inclusionProof(LEAVES, -1)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
  });
});

describe('properties over random trees of 1..70 leaves', () => {
  const tree = fc.array(fc.uint8Array({ maxLength: 24 }), { minLength: 1, maxLength: 70 });

  it('every proof of every index verifies, and both proof builders agree', () => {
    fc.assert(
      fc.property(tree, (leaves) => {
        const root = merkleRoot(leaves);
        const all = merkleTreeProofs(leaves);
        expect(all.root).toBe(root);
        for (let i = 0; i < leaves.length; i++) {
          const proof = inclusionProof(leaves, i);
          expect(all.proofs[i]).toEqual(proof);
          expect(verifyInclusion({ ...proof, treeSize: leaves.length, root })).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  // A different tree size is not in this property: for some (index, size) pairs the audit path has the same
  // shape in a bigger tree (leaf 0 of 3 and of 4, say), which is why the size comes from the signed header.
  it('a tampered sibling or a different index fails', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.nat(), (leaves, pick, siblingPick, other) => {
        const n = leaves.length;
        const i = pick % n;
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, i);
        const { siblings } = proof;
        if (siblings.length > 0) {
          const s = siblingPick % siblings.length;
          const tampered = siblings.map((h, j) => (j === s ? flipBit(h) : h));
          expect(verifyInclusion({ ...proof, siblings: tampered, treeSize: n, root })).toBe(false);
        }
        const j = other % n;
        const sameLeaf = bytesToHex(merkleLeafHash(leaves[j])) === proof.leafHash;
        if (j !== i && !sameLeaf) {
          expect(verifyInclusion({ ...proof, leafIndex: j, treeSize: n, root })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
