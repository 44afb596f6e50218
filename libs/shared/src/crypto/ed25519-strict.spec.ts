/**
 * Public-key rules of the strict path (`assertValidPublicKey`), which the node:crypto path applies too.
 * The cross-implementation signature vectors are in `ed25519.spec.ts`.
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519';
import { numberToBytesLE } from '@noble/curves/utils';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import {
  assertValidPublicKey,
  ed25519PublicKeyPortable,
  ed25519SignPortable,
  ed25519VerifyStrict,
  generateEd25519KeyPairPortable,
  InvalidPublicKeyError,
  isValidPublicKey,
  publicKeyRejection,
} from './ed25519-strict';

const P = ed25519.Point.Fp.ORDER;
/** RFC 8032 §7.1 TEST 2 public key. */
const GOOD = hexToBytes('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');

/** The eight points of order dividing 8 (canonical encodings), identity first. */
const SMALL_ORDER_POINTS = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];

/** The six alternative (non-canonical) encodings of small-order points. */
const NON_CANONICAL_SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity with the sign bit
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // (0, -1) with the sign bit
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // identity, y = p + 1
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // identity, y = p + 1, sign bit
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 4, y = p
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // order 4, y = p, sign bit
];

describe('public key validation', () => {
  it('our list of small-order points is the one @noble/curves publishes', () => {
    expect([...SMALL_ORDER_POINTS].sort()).toEqual([...ED25519_TORSION_SUBGROUP].sort());
  });

  it('accepts honestly generated keys', () => {
    expect(() => assertValidPublicKey(GOOD)).not.toThrow();
    expect(publicKeyRejection(generateEd25519KeyPairPortable().publicKey)).toBeNull();
  });

  it.each([0, 31, 33, 64])('refuses %i bytes', (length) => {
    expect(publicKeyRejection(new Uint8Array(length))).toBe('bad_length');
    expect(() => assertValidPublicKey(new Uint8Array(length))).toThrow(InvalidPublicKeyError);
  });

  it.each(SMALL_ORDER_POINTS)('refuses the small-order point %s', (hex) => {
    expect(publicKeyRejection(hexToBytes(hex))).toBe('small_order');
  });

  it.each(NON_CANONICAL_SMALL_ORDER)('refuses the non-canonical encoding %s', (hex) => {
    expect(publicKeyRejection(hexToBytes(hex))).toBe('non_canonical');
  });

  it('refuses every encoding with y ≥ p, with either sign bit', () => {
    for (let offset = 0n; offset < 2n ** 255n - P; offset++) {
      for (const sign of [0, 0x80]) {
        const encoded = numberToBytesLE(P + offset, 32);
        encoded[31] |= sign;
        expect(['non_canonical', 'not_on_curve']).toContain(publicKeyRejection(encoded));
      }
    }
  });

  it('refuses a y with no matching x', () => {
    const y = [2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n].find((candidate) => {
      try {
        ed25519.Point.fromBytes(numberToBytesLE(candidate, 32), true);
        return false;
      } catch {
        return true;
      }
    });
    expect(y).toBeDefined();
    expect(publicKeyRejection(numberToBytesLE(y as bigint, 32))).toBe('not_on_curve');
  });

  it.each(SMALL_ORDER_POINTS.slice(1))('refuses a mixed-order key (A + %s)', (t) => {
    const mixed = ed25519.Point.fromHex(bytesToHex(GOOD)).add(ed25519.Point.fromHex(t)).toBytes();
    expect(publicKeyRejection(mixed)).toBe('not_prime_order');
  });

  it('isValidPublicKey is the boolean form', () => {
    expect(isValidPublicKey(GOOD)).toBe(true);
    expect(isValidPublicKey(hexToBytes(SMALL_ORDER_POINTS[0]))).toBe(false);
  });

  it('assertValidPublicKey says why', () => {
    expect(() => assertValidPublicKey(hexToBytes(SMALL_ORDER_POINTS[1]))).toThrow('invalid Ed25519 public key: small_order');
  });
});

describe('portable signing and strict verification', () => {
  it('round-trip with a fresh key', () => {
    const { seed, publicKey } = generateEd25519KeyPairPortable();
    const message = new TextEncoder().encode('block 42');
    expect(ed25519PublicKeyPortable(seed)).toEqual(publicKey);
    const signature = ed25519SignPortable(message, seed);
    expect(ed25519VerifyStrict(signature, message, publicKey)).toBe(true);
    expect(ed25519VerifyStrict(signature, new TextEncoder().encode('block 43'), publicKey)).toBe(false);
  });

  it('refuses a signature under a refused key, before any curve arithmetic', () => {
    const { seed } = generateEd25519KeyPairPortable();
    const signature = ed25519SignPortable(new Uint8Array(0), seed);
    expect(ed25519VerifyStrict(signature, new Uint8Array(0), hexToBytes(SMALL_ORDER_POINTS[0]))).toBe(false);
    expect(ed25519VerifyStrict(signature, new Uint8Array(0), new Uint8Array(31))).toBe(false);
  });

  it('generates fresh key pairs whose public key is the one the seed derives', () => {
    const a = generateEd25519KeyPairPortable();
    const b = generateEd25519KeyPairPortable();
    expect(a.seed).toHaveLength(32);
    expect(a.publicKey).toEqual(ed25519PublicKeyPortable(a.seed));
    expect(isValidPublicKey(a.publicKey)).toBe(true);
    expect(bytesToHex(a.seed)).not.toBe(bytesToHex(b.seed));
  });
});
