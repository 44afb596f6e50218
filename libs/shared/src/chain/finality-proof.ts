/**
 * Verifier of the finality proof served at `GET /v1/payments/{uetr}/finality` (API.md, "Finality proof"):
 * the transaction is leaf `proof.leafIndex` of the block's Merkle tree, the block hash is the hash of its
 * header, and at least `quorum` distinct trusted validators signed that hash.
 *
 * Pure and portable (no node:crypto): banks run it in their SDK and the ops console in the browser.
 * The quorum that counts is the caller's (from `GET /v1/keys`), never the one inside the proof.
 * The caller still reads `transaction.outcome` to learn whether the included transaction was accepted.
 */
import { bytesToHex } from '@noble/hashes/utils';
import { z } from 'zod';
import { base64UrlDecode } from '../crypto/base64';
import { isValidPublicKey } from '../crypto/ed25519-strict';
import { blockHash, verifyBlockSignature } from './block-header';
import { canonicalJson } from './canonical-json';
import { merkleLeafHash, verifyInclusion } from './merkle';

const MAX_SIBLINGS = 64;
const MAX_SIGNATURES = 1024;
const MAX_VALIDATORS = 1024;
const hexHash = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.int().nonnegative();

const finalityProofSchema = z.object({
  block: z.object({
    height: count,
    prevHash: hexHash,
    merkleRoot: hexHash,
    stateDigest: z.string(),
    txCount: count,
    timestamp: count,
    hash: hexHash,
  }),
  signatures: z.array(z.object({ validator: z.string(), signature: z.string() })).max(MAX_SIGNATURES),
  quorum: count,
  transaction: z.unknown(),
  proof: z.object({ leafIndex: count, leafHash: hexHash, siblings: z.array(hexHash).max(MAX_SIBLINGS) }),
});

/** The finality proof as served by the gateway. */
export type FinalityProof = z.infer<typeof finalityProofSchema>;

/** A validator trusted by the caller: `id` as in `GET /v1/keys`, public key raw 32 bytes base64url. */
export interface TrustedValidator {
  id: string;
  publicKey: string;
}

/** What the caller trusts, normally the body of `GET /v1/keys`. */
export interface FinalityTrust {
  validators: readonly TrustedValidator[];
  quorum: number;
}

/** Why a proof was refused. `invalid_trust` means the caller's own validator set or quorum is unusable. */
export type FinalityFailure = 'invalid_trust' | 'malformed' | 'leaf_hash_mismatch' | 'inclusion_invalid' | 'block_hash_mismatch' | 'quorum_not_reached';

export type FinalityVerdict = { ok: true } | { ok: false; reason: FinalityFailure };

const utf8 = new TextEncoder();

function trustedKeys(trust: FinalityTrust): Map<string, Uint8Array> | null {
  if (!Number.isSafeInteger(trust.quorum) || trust.quorum < 1) return null;
  if (trust.validators.length > MAX_VALIDATORS) return null;
  const keys = new Map<string, Uint8Array>();
  for (const { id, publicKey } of trust.validators) {
    let raw: Uint8Array;
    try {
      raw = base64UrlDecode(publicKey);
    } catch {
      return null;
    }
    if (keys.has(id) || !isValidPublicKey(raw)) return null;
    keys.set(id, raw);
  }
  return keys;
}

function transactionLeafHash(transaction: unknown): string | null {
  try {
    return bytesToHex(merkleLeafHash(utf8.encode(canonicalJson(transaction))));
  } catch {
    return null;
  }
}

function countSigners(proof: FinalityProof, keys: Map<string, Uint8Array>): number {
  const signed = new Set<string>();
  for (const { validator, signature } of proof.signatures) {
    const key = keys.get(validator);
    if (key === undefined || signed.has(validator)) continue;
    if (verifyBlockSignature(proof.block.hash, signature, key)) signed.add(validator);
  }
  return signed.size;
}

function fail(reason: FinalityFailure): FinalityVerdict {
  return { ok: false, reason };
}

/** Checks a finality proof (untrusted JSON) against the caller's validator set and quorum. */
export function verifyFinalityProof(input: unknown, trust: FinalityTrust): FinalityVerdict {
  const keys = trustedKeys(trust);
  if (keys === null) return fail('invalid_trust');
  const parsed = finalityProofSchema.safeParse(input);
  if (!parsed.success) return fail('malformed');
  const proof = parsed.data;
  // z.unknown() passes the transaction through untouched, so it is hashed exactly as received.
  const leafHash = transactionLeafHash(proof.transaction);
  if (leafHash === null) return fail('malformed');
  if (leafHash !== proof.proof.leafHash) return fail('leaf_hash_mismatch');
  const { leafIndex, siblings } = proof.proof;
  const inclusion = { leafHash, leafIndex, treeSize: proof.block.txCount, siblings, root: proof.block.merkleRoot };
  if (!verifyInclusion(inclusion)) return fail('inclusion_invalid');
  if (blockHash(proof.block) !== proof.block.hash) return fail('block_hash_mismatch');
  return countSigners(proof, keys) >= trust.quorum ? { ok: true } : fail('quorum_not_reached');
}
