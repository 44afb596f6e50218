/**
 * Block headers: their hash, the genesis `prevHash`, and validator signatures over the hash.
 *
 * hash = lowercase hex SHA-256 of the RFC 8785 canonical JSON of exactly the six header fields.
 * A signature is Ed25519 over the 32 raw bytes of that hash, transported as padded standard base64.
 * Everything here is portable (@noble/hashes, @noble/curves): the bank SDK and the ops console verify
 * blocks with this same code.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { base64Decode, base64Encode, base64UrlDecode } from '../crypto/base64';
import { ed25519SignPortable, ed25519VerifyStrict } from '../crypto/ed25519-strict';
import { canonicalJson } from './canonical-json';

/** The six hashed fields of a block. Integers are JSON numbers; hashes are lowercase hex. */
export interface BlockHeader {
  height: number;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
  txCount: number;
  timestamp: number;
}

const HEX_HASH = /^[0-9a-f]{64}$/;
const utf8 = new TextEncoder();

function assertCount(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`block header ${field} must be a non-negative safe integer`);
  }
}

function assertHash(value: unknown, field: string): void {
  if (typeof value !== 'string' || !HEX_HASH.test(value)) {
    throw new TypeError(`block header ${field} must be 64 lowercase hex characters`);
  }
}

function assertHeader(header: BlockHeader): void {
  assertCount(header.height, 'height');
  assertCount(header.txCount, 'txCount');
  assertCount(header.timestamp, 'timestamp');
  assertHash(header.prevHash, 'prevHash');
  assertHash(header.merkleRoot, 'merkleRoot');
  if (typeof header.stateDigest !== 'string') throw new TypeError('block header stateDigest must be a string');
}

/** Lowercase hex SHA-256 of the JCS of the six header fields (any other property is ignored). */
export function blockHash(header: BlockHeader): string {
  assertHeader(header);
  const { height, prevHash, merkleRoot, stateDigest, txCount, timestamp } = header;
  const canonical = canonicalJson({ height, prevHash, merkleRoot, stateDigest, txCount, timestamp });
  return bytesToHex(sha256(utf8.encode(canonical)));
}

/** `prevHash` of the first block: lowercase hex SHA-256 of the UTF-8 network id. */
export function genesisPrevHash(networkId: string): string {
  if (networkId.length === 0) throw new TypeError('network id must not be empty');
  return bytesToHex(sha256(utf8.encode(networkId)));
}

function hashBytes(hashHex: string): Uint8Array {
  assertHash(hashHex, 'hash');
  return hexToBytes(hashHex);
}

/** An Ed25519 signer (RFC 8032, deterministic: every signer makes the same bytes); the portable one is the default. */
export type Ed25519Signer = (message: Uint8Array, seed: Uint8Array) => Uint8Array;

/** Padded base64 Ed25519 signature over the 32 raw bytes of a block hash. Servers pass node:crypto's signer (`signBlockFast`). */
export function signBlock(hashHex: string, seed: Uint8Array, sign: Ed25519Signer = ed25519SignPortable): string {
  return base64Encode(sign(hashBytes(hashHex), seed));
}

/** An Ed25519 verification applying the strict rules of `ed25519-strict.ts` (the portable one is the default). */
export type Ed25519Verifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/**
 * Strict check of a block signature; `publicKey` is raw bytes or base64url. Never throws. Servers pass the
 * node:crypto verifier (`verifyBlockSignatureFast`), which agrees with the portable one on every test vector.
 */
export function verifyBlockSignature(
  hashHex: string,
  sigBase64: string,
  publicKey: Uint8Array | string,
  verify: Ed25519Verifier = ed25519VerifyStrict,
): boolean {
  try {
    const key = typeof publicKey === 'string' ? base64UrlDecode(publicKey) : publicKey;
    return verify(base64Decode(sigBase64), hashBytes(hashHex), key);
  } catch {
    return false;
  }
}
