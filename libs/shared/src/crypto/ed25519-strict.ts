/**
 * Ed25519 with @noble/curves: portable (browser-safe, no node:crypto), slower, and strict.
 *
 * Used where portability matters and the rate is low: validating a public key once at registration,
 * block and finality signatures, and the proof verifier shared with the bank SDK and the ops console.
 * The fast node:crypto path in `ed25519.ts` applies the same key rules, so both paths accept exactly
 * the same (signature, message, key) triples. The rules, stricter than bare RFC 8032:
 *
 * - Public key: 32 bytes, the canonical encoding (y < p, no "negative zero" x), not one of the eight
 *   small-order points, and in the prime-order subgroup ([L]A = identity). Every honestly generated key
 *   passes; mixed-order keys (small-order component added) are what let the cofactored equation (noble)
 *   and the cofactorless one (OpenSSL) disagree.
 * - Signature: 64 bytes, canonical R, S < L (noble `zip215: false`), and R in the prime-order subgroup.
 *   With A and R torsion-free, noble's cofactored check [8]SB = [8]R + [8]kA holds exactly when OpenSSL's
 *   cofactorless SB = R + kA does, so the two implementations agree.
 */
import { ed25519 } from '@noble/curves/ed25519';

/** Why a public key was refused. */
export type PublicKeyRejection = 'bad_length' | 'not_on_curve' | 'non_canonical' | 'small_order' | 'not_prime_order';

/** Thrown by {@link assertValidPublicKey}. */
export class InvalidPublicKeyError extends Error {
  constructor(readonly reason: PublicKeyRejection) {
    super(`invalid Ed25519 public key: ${reason}`);
    this.name = 'InvalidPublicKeyError';
  }
}

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const VALID_KEY_CACHE_MAX = 4096;
const validKeyCache = new Map<string, PublicKeyRejection | null>();

type EdPoint = ReturnType<typeof ed25519.Point.fromBytes>;

function decodePoint(raw: Uint8Array): EdPoint | PublicKeyRejection {
  if (raw.length !== ED25519_KEY_BYTES) return 'bad_length';
  let point: EdPoint;
  try {
    point = ed25519.Point.fromBytes(raw, true); // lenient decode; canonicality is checked just below
  } catch {
    return 'not_on_curve';
  }
  const reencoded = point.toBytes();
  for (let i = 0; i < ED25519_KEY_BYTES; i++) if (reencoded[i] !== raw[i]) return 'non_canonical';
  return point;
}

function classifyPublicKey(raw: Uint8Array): PublicKeyRejection | null {
  const point = decodePoint(raw);
  if (typeof point === 'string') return point;
  if (point.isSmallOrder()) return 'small_order';
  if (!point.isTorsionFree()) return 'not_prime_order';
  return null;
}

function hexKey(raw: Uint8Array): string {
  let out = '';
  for (const byte of raw) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The rejection reason for a raw public key, or null when it is acceptable. Memoised per key. */
export function publicKeyRejection(raw: Uint8Array): PublicKeyRejection | null {
  if (raw.length !== ED25519_KEY_BYTES) return 'bad_length';
  const key = hexKey(raw);
  const cached = validKeyCache.get(key);
  if (cached !== undefined) return cached;
  const verdict = classifyPublicKey(raw);
  if (validKeyCache.size >= VALID_KEY_CACHE_MAX) validKeyCache.delete(validKeyCache.keys().next().value as string);
  validKeyCache.set(key, verdict);
  return verdict;
}

/** True when `raw` is an acceptable Ed25519 public key (see the module comment for the rules). */
export function isValidPublicKey(raw: Uint8Array): boolean {
  return publicKeyRejection(raw) === null;
}

/** Registration-time check of a participant's or validator's raw 32-byte public key. */
export function assertValidPublicKey(raw: Uint8Array): void {
  const reason = publicKeyRejection(raw);
  if (reason !== null) throw new InvalidPublicKeyError(reason);
}

function isTorsionFreeEncoding(encoded: Uint8Array): boolean {
  const point = decodePoint(encoded);
  return typeof point !== 'string' && point.isTorsionFree();
}

/** Strict RFC 8032 verification with @noble/curves (`zip215: false`) plus the subgroup rules above. */
export function ed25519VerifyStrict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || !isValidPublicKey(publicKey)) return false;
  if (!ed25519.verify(signature, message, publicKey, { zip215: false })) return false;
  return isTorsionFreeEncoding(signature.subarray(0, ED25519_KEY_BYTES));
}

/** Deterministic RFC 8032 signature with @noble/curves (portable; ~10x slower than node:crypto). */
export function ed25519SignPortable(message: Uint8Array, seed: Uint8Array): Uint8Array {
  if (seed.length !== ED25519_KEY_BYTES) throw new RangeError('Ed25519 seed must be 32 bytes');
  return ed25519.sign(message, seed);
}

/** The raw public key of a 32-byte seed, with @noble/curves (portable). */
export function ed25519PublicKeyPortable(seed: Uint8Array): Uint8Array {
  if (seed.length !== ED25519_KEY_BYTES) throw new RangeError('Ed25519 seed must be 32 bytes');
  return ed25519.getPublicKey(seed);
}

/** A fresh raw key pair (32-byte seed from the platform's CSPRNG, `crypto.getRandomValues`), with @noble/curves. */
export function generateEd25519KeyPairPortable(): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = ed25519.utils.randomSecretKey();
  return { seed, publicKey: ed25519.getPublicKey(seed) };
}
