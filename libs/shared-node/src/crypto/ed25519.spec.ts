/**
 * Both Ed25519 paths, node:crypto (`ed25519.ts`) and @noble/curves (`ed25519-strict.ts` of @nostro/shared), on the same
 * vectors: RFC 8032 §7.1 TEST 1–3, the 15 edge cases of "Taming the many EdDSAs" (Chalkias, Garillot,
 * Nikolaenko 2020; github.com/novifinancial/ed25519-speccheck), and hand-built signatures with small-order
 * and mixed-order R, non-canonical S, and non-canonical or small-order keys.
 */
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils';
import { sha512 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { base64UrlEncode, ed25519PublicKeyPortable, ed25519SignPortable, ed25519VerifyStrict, isValidPublicKey } from '@nostro/shared';
import { ed25519Sign, ed25519Verify, generateEd25519KeyPair, publicKeyFromSeed } from './ed25519';

const L = ed25519.Point.Fn.ORDER;
const SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

/** OpenSSL with no pre-check at all: what node:crypto alone would accept. */
function rawOpenssl(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, pub)), format: 'der', type: 'spki' });
  return opensslVerify(null, msg, key, sig);
}

/** @noble/curves with `zip215: false` and nothing else. */
function rawNoble(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  return ed25519.verify(sig, msg, pub, { zip215: false });
}

const RFC8032 = [
  {
    name: 'TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
].map((v) => ({
  name: v.name,
  seed: hexToBytes(v.seed),
  publicKey: hexToBytes(v.publicKey),
  message: hexToBytes(v.message),
  signature: hexToBytes(v.signature),
}));

/**
 * ed25519-speccheck cases.json (15 vectors), with what each implementation does on its own.
 * The torsion (small/mixed order) of A and R is noted; "nc" means a non-canonical encoding.
 */
const SPECCHECK: { note: string; msg: string; pub: string; sig: string; openssl: boolean; noble: boolean }[] = [
  {
    note: '0: S=0, A small, R small',
    openssl: false,
    noble: false,
    msg: '2a66241a42a9ee12994d8068dcf1bb7dfc6637b45450acd43711f637fa5080fc',
    pub: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
  },
  {
    note: '1: S=0, A small, R small (R = -kA)',
    openssl: true,
    noble: false,
    msg: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    pub: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
  },
  {
    note: '2: A small, R mixed',
    openssl: false,
    noble: false,
    msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    pub: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    sig: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  },
  {
    note: '3: A small, R mixed (cofactorless passes)',
    openssl: true,
    noble: false,
    msg: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    pub: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    sig: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  },
  {
    note: '4: A mixed, R small (cofactored only)',
    openssl: false,
    noble: true,
    msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    pub: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa182ef1a5b928da07fec769cc8a12db6bcf70dab3f3227fa315e9d5e3e01a3405',
  },
  {
    note: '5: A mixed, R small (both equations pass)',
    openssl: true,
    noble: true,
    msg: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    pub: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    sig: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e',
  },
  {
    note: '6: A mixed, R mixed (both equations pass)',
    openssl: true,
    noble: true,
    msg: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    pub: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    sig: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009',
  },
  {
    note: '7: A mixed, R mixed (cofactored only)',
    openssl: false,
    noble: true,
    msg: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    pub: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    sig: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
  },
  {
    note: '8: A mixed, pre-reduced scalar',
    openssl: false,
    noble: true,
    msg: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    pub: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    sig: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405',
  },
  {
    note: '9: S > L',
    openssl: false,
    noble: false,
    msg: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    pub: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    sig: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514',
  },
  {
    note: '10: S >> L',
    openssl: false,
    noble: false,
    msg: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    pub: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    sig: '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22',
  },
  {
    note: '11: R nc (negative zero), small',
    openssl: false,
    noble: false,
    msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    pub: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    sig: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f',
  },
  {
    note: '12: R nc (negative zero), small',
    openssl: false,
    noble: false,
    msg: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    pub: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    sig: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908',
  },
  {
    note: '13: A nc (negative zero), small',
    openssl: false,
    noble: false,
    msg: 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b',
    pub: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    sig: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  },
  {
    note: '14: A nc (negative zero), small',
    openssl: true,
    noble: false,
    msg: '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    pub: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    sig: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  },
];

/** The eight points of order dividing 8, as listed by @noble/curves; identity first. */
const IDENTITY = '0100000000000000000000000000000000000000000000000000000000000000';
const SMALL_ORDER_POINTS = [IDENTITY, ...ED25519_TORSION_SUBGROUP.filter((hex) => hex !== IDENTITY)];

/** A signature that satisfies only the cofactored equation: R = [r]B + T for a torsion point T. */
function signWithTorsionR(seed: Uint8Array, message: Uint8Array, torsionHex: string, r: bigint) {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const R = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromHex(torsionHex)).toBytes();
  const k = bytesToNumberLE(sha512(concatBytes(R, pointBytes, message))) % L;
  const S = (r + k * scalar) % L;
  return { signature: concatBytes(R, numberToBytesLE(S, 32)), publicKey: pointBytes };
}

/** A signature whose R is exactly a small-order point T (r = 0). */
function signWithSmallOrderR(seed: Uint8Array, message: Uint8Array, torsionHex: string) {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const R = hexToBytes(torsionHex);
  const k = bytesToNumberLE(sha512(concatBytes(R, pointBytes, message))) % L;
  return { signature: concatBytes(R, numberToBytesLE((k * scalar) % L, 32)), publicKey: pointBytes };
}

function withNonCanonicalS(signature: Uint8Array): Uint8Array {
  const S = bytesToNumberLE(signature.subarray(32));
  return concatBytes(signature.subarray(0, 32), numberToBytesLE(S + L, 32));
}

function bothPaths(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): { node: boolean; strict: boolean } {
  return { node: ed25519Verify(sig, msg, pub), strict: ed25519VerifyStrict(sig, msg, pub) };
}

describe('RFC 8032 §7.1 test vectors', () => {
  it.each(RFC8032)('$name: public key, signature and verification on both paths', (v) => {
    expect(bytesToHex(publicKeyFromSeed(v.seed))).toBe(bytesToHex(v.publicKey));
    expect(bytesToHex(ed25519PublicKeyPortable(v.seed))).toBe(bytesToHex(v.publicKey));
    expect(bytesToHex(ed25519Sign(v.message, v.seed))).toBe(bytesToHex(v.signature));
    expect(bytesToHex(ed25519SignPortable(v.message, v.seed))).toBe(bytesToHex(v.signature));
    expect(bothPaths(v.signature, v.message, v.publicKey)).toEqual({ node: true, strict: true });
    expect(ed25519Verify(v.signature, v.message, base64UrlEncode(v.publicKey))).toBe(true);
    expect(isValidPublicKey(v.publicKey)).toBe(true);
  });

  it.each(RFC8032)('$name: a flipped bit anywhere fails on both paths', (v) => {
    for (const position of [0, 31, 32, 63]) {
      const sig = Uint8Array.from(v.signature);
      sig[position] ^= 0x01;
      expect(bothPaths(sig, v.message, v.publicKey)).toEqual({ node: false, strict: false });
    }
    const otherMessage = concatBytes(v.message, Uint8Array.of(0));
    expect(bothPaths(v.signature, otherMessage, v.publicKey)).toEqual({ node: false, strict: false });
  });

  it.each(RFC8032)('$name: non-canonical S (S + L) fails on both paths, and on each library alone', (v) => {
    const sig = withNonCanonicalS(v.signature);
    expect(rawOpenssl(sig, v.message, v.publicKey)).toBe(false);
    expect(rawNoble(sig, v.message, v.publicKey)).toBe(false);
    expect(bothPaths(sig, v.message, v.publicKey)).toEqual({ node: false, strict: false });
  });
});

describe('ed25519-speccheck edge cases', () => {
  it.each(SPECCHECK)('$note: each library alone behaves as documented', (v) => {
    const [sig, msg, pub] = [hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pub)];
    expect({ openssl: rawOpenssl(sig, msg, pub), noble: rawNoble(sig, msg, pub) }).toEqual({
      openssl: v.openssl,
      noble: v.noble,
    });
  });

  it.each(SPECCHECK)('$note: refused by both of our paths', (v) => {
    const [sig, msg, pub] = [hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pub)];
    expect(bothPaths(sig, msg, pub)).toEqual({ node: false, strict: false });
  });
});

describe('hand-built signatures that only the cofactored equation accepts', () => {
  const { seed } = RFC8032[0];
  const message = new TextEncoder().encode('pay 100.00 USD');

  it.each(SMALL_ORDER_POINTS.slice(1))('R = [r]B + %s: noble alone accepts, OpenSSL and both our paths refuse', (t) => {
    const { signature, publicKey } = signWithTorsionR(seed, message, t, 123456789n);
    expect(rawNoble(signature, message, publicKey)).toBe(true);
    expect(rawOpenssl(signature, message, publicKey)).toBe(false);
    expect(bothPaths(signature, message, publicKey)).toEqual({ node: false, strict: false });
  });

  it.each(SMALL_ORDER_POINTS.slice(1))('R = %s exactly: noble alone accepts, OpenSSL and both our paths refuse', (t) => {
    const { signature, publicKey } = signWithSmallOrderR(seed, message, t);
    expect(rawNoble(signature, message, publicKey)).toBe(true);
    expect(rawOpenssl(signature, message, publicKey)).toBe(false);
    expect(bothPaths(signature, message, publicKey)).toEqual({ node: false, strict: false });
  });

  it('R = identity (r = 0) satisfies both equations, so everyone accepts it: only the key owner can make it', () => {
    const { signature, publicKey } = signWithSmallOrderR(seed, message, SMALL_ORDER_POINTS[0]);
    expect({ openssl: rawOpenssl(signature, message, publicKey), noble: rawNoble(signature, message, publicKey) }).toEqual({
      openssl: true,
      noble: true,
    });
    expect(bothPaths(signature, message, publicKey)).toEqual({ node: true, strict: true });
  });

  it('the same construction with a torsion-free R is an ordinary valid signature on both paths', () => {
    const { signature, publicKey } = signWithTorsionR(seed, message, SMALL_ORDER_POINTS[0], 987654321n);
    expect(bothPaths(signature, message, publicKey)).toEqual({ node: true, strict: true });
  });
});

describe('keys refused by the pre-check', () => {
  it('node:crypto refuses to verify under a refused key even when OpenSSL alone would accept', () => {
    const v = SPECCHECK[14];
    const [sig, msg, pub] = [hexToBytes(v.sig), hexToBytes(v.msg), hexToBytes(v.pub)];
    expect(rawOpenssl(sig, msg, pub)).toBe(true);
    expect(ed25519Verify(sig, msg, pub)).toBe(false);
    expect(ed25519Verify(sig, msg, base64UrlEncode(pub))).toBe(false);
  });
});

describe('node:crypto and noble agree', () => {
  it('on random keys and messages, for valid and tampered signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.nat(63), (seed, message, bit) => {
        const publicKey = publicKeyFromSeed(seed);
        const signature = ed25519Sign(message, seed);
        expect(bytesToHex(signature)).toBe(bytesToHex(ed25519SignPortable(message, seed)));
        expect(bothPaths(signature, message, publicKey)).toEqual({ node: true, strict: true });
        const tampered = Uint8Array.from(signature);
        tampered[bit] ^= 0x40;
        expect(bothPaths(tampered, message, publicKey)).toEqual({ node: false, strict: false });
      }),
      { numRuns: 40 },
    );
  });

  it('refuse signatures of the wrong length and keys that are not base64url', () => {
    const v = RFC8032[0];
    expect(bothPaths(v.signature.subarray(0, 63), v.message, v.publicKey)).toEqual({ node: false, strict: false });
    expect(ed25519Verify(v.signature, v.message, 'not base64url!')).toBe(false);
  });
});

describe('key generation', () => {
  it('returns a 32-byte seed and the public key that seed derives', () => {
    const { seed, publicKey } = generateEd25519KeyPair();
    expect(seed).toHaveLength(32);
    expect(publicKey).toHaveLength(32);
    expect(publicKeyFromSeed(seed)).toEqual(publicKey);
    expect(ed25519PublicKeyPortable(seed)).toEqual(publicKey);
    const message = new TextEncoder().encode('hello');
    expect(ed25519Verify(ed25519Sign(message, seed), message, publicKey)).toBe(true);
  });

  it('gives different keys each time', () => {
    expect(generateEd25519KeyPair().seed).not.toEqual(generateEd25519KeyPair().seed);
  });

  it('refuses seeds that are not 32 bytes', () => {
    expect(() => publicKeyFromSeed(new Uint8Array(31))).toThrow(RangeError);
    expect(() => ed25519Sign(new Uint8Array(0), new Uint8Array(33))).toThrow(RangeError);
    expect(() => ed25519SignPortable(new Uint8Array(0), new Uint8Array(33))).toThrow(RangeError);
  });
});
