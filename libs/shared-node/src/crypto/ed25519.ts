/**
 * Ed25519 with node:crypto (OpenSSL): the hot path for request signatures and quote signing.
 *
 * KeyObjects are built from raw 32-byte keys through DER (PKCS#8 / SPKI) and cached by key string.
 * OpenSSL on its own is laxer than our strict rules (`ed25519-strict.ts` of @nostro/shared): it accepts small-order and
 * non-canonically encoded public keys, so every public key passes the same pre-check
 * ({@link publicKeyRejection}) before a KeyObject is made for it, once per key. With that pre-check
 * OpenSSL's cofactorless verification agrees with the strict noble path on every vector in the spec.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { base64UrlDecode, base64UrlEncode, publicKeyRejection } from '@nostro/shared';

/** A raw Ed25519 key pair: the 32-byte RFC 8032 seed and the 32-byte public key. */
export interface Ed25519KeyPair {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const KEY_CACHE_MAX = 10_000;
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Public keys that fail the strict pre-check are cached as null, so they are refused without re-checking. */
const publicKeyCache = new Map<string, KeyObject | null>();
const privateKeyCache = new Map<string, KeyObject>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= KEY_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

function withPrefix(prefix: Uint8Array, raw: Uint8Array): Buffer {
  return Buffer.concat([prefix, raw]);
}

function assertLength(bytes: Uint8Array, what: string): void {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`Ed25519 ${what} must be ${KEY_BYTES} bytes`);
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  assertLength(seed, 'seed');
  const id = base64UrlEncode(seed);
  const cached = privateKeyCache.get(id);
  if (cached !== undefined) return cached;
  const key = createPrivateKey({ key: withPrefix(PKCS8_ED25519_PREFIX, seed), format: 'der', type: 'pkcs8' });
  return remember(privateKeyCache, id, key);
}

/** A cached KeyObject for an acceptable public key (raw bytes or base64url), or null if it is refused. */
function publicKeyObject(publicKey: Uint8Array | string): KeyObject | null {
  const id = typeof publicKey === 'string' ? publicKey : base64UrlEncode(publicKey);
  const cached = publicKeyCache.get(id);
  if (cached !== undefined) return cached;
  let raw: Uint8Array;
  try {
    raw = typeof publicKey === 'string' ? base64UrlDecode(publicKey) : publicKey;
  } catch {
    return remember(publicKeyCache, id, null);
  }
  if (publicKeyRejection(raw) !== null) return remember(publicKeyCache, id, null);
  const key = createPublicKey({ key: withPrefix(SPKI_ED25519_PREFIX, raw), format: 'der', type: 'spki' });
  return remember(publicKeyCache, id, key);
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_ED25519_PREFIX.length));
}

/** A fresh key pair from the operating system's CSPRNG. */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { seed: new Uint8Array(pkcs8.subarray(PKCS8_ED25519_PREFIX.length)), publicKey: rawPublicKey(publicKey) };
}

/** The raw 32-byte public key of a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return rawPublicKey(createPublicKey(privateKeyObject(seed)));
}

/** Ed25519 signature (64 bytes) of `message` with node:crypto. */
export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyObject(seed)));
}

/**
 * Verifies with node:crypto after the strict public-key pre-check. `publicKey` is the raw 32 bytes or
 * their base64url encoding. Never throws: malformed input is simply not a valid signature.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array | string): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  const key = publicKeyObject(publicKey);
  if (key === null) return false;
  return verify(null, message, key, signature);
}
