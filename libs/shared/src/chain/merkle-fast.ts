/**
 * The RFC 6962 §2.1 Merkle tree of `merkle.ts` for the validators' hot path: leaves may be UTF-8 strings (the
 * canonical JSON of a ledger leaf), hashed without an intermediate copy, and every proof of a block comes out of one
 * pass. Hashing goes through this process's SHA-256 engine (`crypto/sha256.ts`): OpenSSL in the Node services,
 * which load @nostro/shared-node, @noble/hashes anywhere else.
 *
 * Same tree, same bytes, same hex: `merkle.ts` stays the portable reference (bank SDK, browser), and the specs check
 * both agree on every input, with either engine (shared-node's spec runs them under OpenSSL).
 */
import { bytesToHex } from '@noble/hashes/utils';
import { sha256Bytes, sha256Hex } from '../crypto/sha256';
import { InclusionProof, auditPathBytes, rootFromPath } from './merkle';

const NODE_PREFIX = 0x01;
const HASH_BYTES = 32;

type Leaf = Uint8Array | string;

/** SHA-256(0x00 || leaf); for a string the prefix byte 0x00 is U+0000 in UTF-8, so no bytes are copied. */
function leafHash(leaf: Leaf): Uint8Array {
  if (typeof leaf === 'string') return sha256Bytes(`\u0000${leaf}`);
  const input = new Uint8Array(leaf.length + 1);
  input.set(leaf, 1);
  return sha256Bytes(input);
}

/** SHA-256(0x01 || left || right). */
function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + HASH_BYTES * 2);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + HASH_BYTES);
  return sha256Bytes(input);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeHash(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) return hashes[start];
  const mid = start + splitPoint(end - start);
  return nodeHash(subtreeHash(hashes, start, mid), subtreeHash(hashes, mid, end));
}

function auditPath(hashes: readonly Uint8Array[], m: number, start: number, end: number, out: Uint8Array[]): void {
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
  if (leaves.length === 0) return sha256Hex('');
  return bytesToHex(subtreeHash(leaves.map(leafHash), 0, leaves.length));
}

/** The inclusion proof of `leaves[index]`, identical to `inclusionProof` of merkle.ts. */
export function inclusionProofFast(leaves: readonly Leaf[], index: number): InclusionProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const hashes = leaves.map(leafHash);
  const siblings: Uint8Array[] = [];
  auditPath(hashes, index, 0, leaves.length, siblings);
  return { leafIndex: index, leafHash: bytesToHex(hashes[index]), siblings: siblings.map(bytesToHex) };
}

/**
 * Every leaf's inclusion proof in one pass (O(n) hashes instead of O(n) per proof), identical to
 * `merkleTreeProofs` of merkle.ts: the finality notices carry a proof for most leaves of each final block.
 */
export function inclusionProofsFast(leaves: readonly Leaf[]): { root: string; proofs: InclusionProof[] } {
  if (leaves.length === 0) return { root: merkleRootFast(leaves), proofs: [] };
  const hashes = leaves.map(leafHash);
  const paths: string[][] = leaves.map(() => []);
  const root = hashAndCollect(hashes, 0, leaves.length, paths);
  const proofs = paths.map((siblings, i) => ({ leafIndex: i, leafHash: bytesToHex(hashes[i]), siblings }));
  return { root: bytesToHex(root), proofs };
}

/**
 * MTH of [start, end) that also appends, to every leaf's path, its sibling at each level (deepest first). Each
 * subtree hash is written in hex once, however many paths it is on.
 */
function hashAndCollect(hashes: readonly Uint8Array[], start: number, end: number, paths: string[][]): Uint8Array {
  if (end - start === 1) return hashes[start];
  const mid = start + splitPoint(end - start);
  const left = hashAndCollect(hashes, start, mid, paths);
  const right = hashAndCollect(hashes, mid, end, paths);
  const leftHex = bytesToHex(left);
  const rightHex = bytesToHex(right);
  for (let i = start; i < mid; i++) paths[i].push(rightHex);
  for (let i = mid; i < end; i++) paths[i].push(leftHex);
  return nodeHash(left, right);
}

/**
 * The root (lowercase hex) that an audit path implies for `leaf` at `leafIndex` of a tree of `treeSize` leaves
 * (RFC 9162 §2.1.3.2, as `verifyInclusion` of merkle.ts computes it), or null when the index, the size or the path
 * has the wrong shape. For a signed root: compare with it, or check the signature over what this returns.
 */
export function rootFromPathFast(leaf: Leaf, leafIndex: number, treeSize: number, siblings: readonly string[]): string | null {
  const path = auditPathBytes(leafIndex, treeSize, siblings);
  const root = path === null ? null : rootFromPath(leafHash(leaf), leafIndex, treeSize, path, nodeHash);
  return root === null ? null : bytesToHex(root);
}
