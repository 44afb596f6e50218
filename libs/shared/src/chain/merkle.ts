/**
 * RFC 6962 §2.1 Merkle Tree Hash and audit paths; inclusion verification per RFC 9162 §2.1.3.2.
 *
 * leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right), the empty tree hashes
 * to SHA-256(""), and a tree of n > 1 leaves splits at k, the largest power of two smaller than n.
 * Hashes are lowercase hex on the outside. SHA-256 comes from @noble/hashes so that the finality
 * verifier built on this file runs in a browser too.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';

/** The audit path of one leaf, leaf to root. */
export interface InclusionProof {
  leafIndex: number;
  leafHash: string;
  siblings: string[];
}

/** Everything {@link verifyInclusion} needs; all hashes lowercase hex. */
export interface InclusionCheck {
  leafHash: string;
  leafIndex: number;
  treeSize: number;
  siblings: readonly string[];
  root: string;
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const HASH_BYTES = 32;
const HEX_HASH = /^[0-9a-f]{64}$/;

/** SHA-256(0x00 || leaf). */
export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  const input = new Uint8Array(leaf.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(leaf, 1);
  return sha256(input);
}

/** SHA-256(0x01 || left || right). */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + HASH_BYTES * 2);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + HASH_BYTES);
  return sha256(input);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already-hashed leaves in [start, end). */
function subtreeHash(leafHashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leafHashes[start];
  const k = splitPoint(n);
  return merkleNodeHash(subtreeHash(leafHashes, start, start + k), subtreeHash(leafHashes, start + k, end));
}

/** PATH(m, D[start:end]) of RFC 6962 §2.1.1, appended to `out` leaf-first. */
function auditPath(leafHashes: readonly Uint8Array[], m: number, start: number, end: number, out: Uint8Array[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    auditPath(leafHashes, m, start, start + k, out);
    out.push(subtreeHash(leafHashes, start + k, end));
  } else {
    auditPath(leafHashes, m - k, start + k, end, out);
    out.push(subtreeHash(leafHashes, start, start + k));
  }
}

/** Merkle Tree Hash (lowercase hex) of the leaves; the empty tree is SHA-256(""). */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  if (leaves.length === 0) return bytesToHex(sha256(new Uint8Array(0)));
  return bytesToHex(subtreeHash(leaves.map(merkleLeafHash), 0, leaves.length));
}

/** The inclusion proof of `leaves[index]`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): InclusionProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const leafHashes = leaves.map(merkleLeafHash);
  const siblings: Uint8Array[] = [];
  auditPath(leafHashes, index, 0, leaves.length, siblings);
  return { leafIndex: index, leafHash: bytesToHex(leafHashes[index]), siblings: siblings.map(bytesToHex) };
}

/** The root and every leaf's proof in one pass: O(n) hashes instead of O(n) per proof. */
export function merkleTreeProofs(leaves: readonly Uint8Array[]): { root: string; proofs: InclusionProof[] } {
  if (leaves.length === 0) return { root: merkleRoot(leaves), proofs: [] };
  const leafHashes = leaves.map(merkleLeafHash);
  const paths: Uint8Array[][] = leaves.map(() => []);
  const root = hashAndCollect(leafHashes, 0, leaves.length, paths);
  const proofs = paths.map((path, i) => ({
    leafIndex: i,
    leafHash: bytesToHex(leafHashes[i]),
    siblings: path.map(bytesToHex),
  }));
  return { root: bytesToHex(root), proofs };
}

/** MTH of [start, end) that also appends, to every leaf's path, its sibling at each level (deepest first). */
function hashAndCollect(leafHashes: readonly Uint8Array[], start: number, end: number, paths: Uint8Array[][]): Uint8Array {
  if (end - start === 1) return leafHashes[start];
  const mid = start + splitPoint(end - start);
  const left = hashAndCollect(leafHashes, start, mid, paths);
  const right = hashAndCollect(leafHashes, mid, end, paths);
  for (let i = start; i < mid; i++) paths[i].push(right);
  for (let i = mid; i < end; i++) paths[i].push(left);
  return merkleNodeHash(left, right);
}

function isIndexPair(leafIndex: number, treeSize: number): boolean {
  return Number.isSafeInteger(leafIndex) && Number.isSafeInteger(treeSize) && leafIndex >= 0 && leafIndex < treeSize;
}

/**
 * Root implied by an audit path (RFC 9162 §2.1.3.2 steps 2–5), or null when the path has the wrong shape. `nodeHash`
 * is SHA-256(0x01 || left || right) by some engine (merkle-fast.ts passes the process's own).
 */
export function rootFromPath(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  path: readonly Uint8Array[],
  nodeHash: (left: Uint8Array, right: Uint8Array) => Uint8Array = merkleNodeHash,
): Uint8Array | null {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** True when `siblings` proves that `leafHash` is leaf `leafIndex` of the tree of `treeSize` leaves with `root`. */
export function verifyInclusion(check: InclusionCheck): boolean {
  const { leafHash, leafIndex, treeSize, siblings, root } = check;
  const path = auditPathBytes(leafIndex, treeSize, siblings);
  if (path === null || !isHexHash(leafHash) || !isHexHash(root)) return false;
  const computed = rootFromPath(hexToBytes(leafHash), leafIndex, treeSize, path);
  return computed !== null && bytesToHex(computed) === root;
}

function isHexHash(hash: unknown): hash is string {
  return typeof hash === 'string' && HEX_HASH.test(hash);
}

/**
 * An audit path's hashes as bytes, for {@link rootFromPath}; null when the leaf index lies outside the tree or a hash
 * is not 64 lowercase hex digits.
 */
export function auditPathBytes(leafIndex: number, treeSize: number, siblings: readonly unknown[]): Uint8Array[] | null {
  if (!isIndexPair(leafIndex, treeSize) || !Array.isArray(siblings) || !siblings.every(isHexHash)) return null;
  return siblings.map((hash) => hexToBytes(hash as string));
}
