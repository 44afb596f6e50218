/**
 * The RFC 6962 §2.1 Merkle tree of `merkle.ts`, hashed with node:crypto (OpenSSL) for the validators' hot path.
 *
 * Same tree, same bytes, same hex: `merkle.ts` stays the portable reference (bank SDK, browser) and the spec
 * checks both agree on every input. Leaves may be given as UTF-8 strings (the canonical JSON of a ledger leaf),
 * which OpenSSL hashes without an intermediate copy.
 */
import { hash } from 'node:crypto';
import { InclusionProof } from './merkle';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

type Leaf = Uint8Array | string;

/** One-shot `crypto.hash` (no Hash object per call): the prefix byte 0x00 is U+0000 in UTF-8. */
function leafHash(leaf: Leaf): Buffer {
  return typeof leaf === 'string' ? hash('sha256', `\u0000${leaf}`, 'buffer') : hash('sha256', Buffer.concat([LEAF_PREFIX, leaf]), 'buffer');
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeHash(hashes: readonly Buffer[], start: number, end: number): Buffer {
  if (end - start === 1) return hashes[start];
  const mid = start + splitPoint(end - start);
  return nodeHash(subtreeHash(hashes, start, mid), subtreeHash(hashes, mid, end));
}

function auditPath(hashes: readonly Buffer[], m: number, start: number, end: number, out: Buffer[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    auditPath(hashes, m, start, start + k, out);
    out.push(subtreeHash(hashes, start + k, end));
  } else {
    auditPath(hashes, m - k, start + k, end, out);
    out.push(subtreeHash(hashes, start, start + k));
  }
}

/** Merkle Tree Hash (lowercase hex) of the leaves; the empty tree is SHA-256(""). */
export function merkleRootFast(leaves: readonly Leaf[]): string {
  if (leaves.length === 0) return hash('sha256', '', 'hex');
  return subtreeHash(leaves.map(leafHash), 0, leaves.length).toString('hex');
}

/** The inclusion proof of `leaves[index]`, identical to `inclusionProof` of merkle.ts. */
export function inclusionProofFast(leaves: readonly Leaf[], index: number): InclusionProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const hashes = leaves.map(leafHash);
  const siblings: Buffer[] = [];
  auditPath(hashes, index, 0, leaves.length, siblings);
  return { leafIndex: index, leafHash: hashes[index].toString('hex'), siblings: siblings.map((s) => s.toString('hex')) };
}

/**
 * Every leaf's inclusion proof in one pass (O(n) hashes instead of O(n) per proof), identical to
 * `merkleTreeProofs` of merkle.ts: the finality notices carry a proof for most leaves of each final block.
 */
export function inclusionProofsFast(leaves: readonly Leaf[]): { root: string; proofs: InclusionProof[] } {
  if (leaves.length === 0) return { root: merkleRootFast(leaves), proofs: [] };
  const hashes = leaves.map(leafHash);
  const paths: Buffer[][] = leaves.map(() => []);
  const root = hashAndCollect(hashes, 0, leaves.length, paths);
  const proofs = paths.map((path, i) => ({ leafIndex: i, leafHash: hashes[i].toString('hex'), siblings: path.map((s) => s.toString('hex')) }));
  return { root: root.toString('hex'), proofs };
}

/** MTH of [start, end) that also appends, to every leaf's path, its sibling at each level (deepest first). */
function hashAndCollect(hashes: readonly Buffer[], start: number, end: number, paths: Buffer[][]): Buffer {
  if (end - start === 1) return hashes[start];
  const mid = start + splitPoint(end - start);
  const left = hashAndCollect(hashes, start, mid, paths);
  const right = hashAndCollect(hashes, mid, end, paths);
  for (let i = start; i < mid; i++) paths[i].push(right);
  for (let i = mid; i < end; i++) paths[i].push(left);
  return nodeHash(left, right);
}
