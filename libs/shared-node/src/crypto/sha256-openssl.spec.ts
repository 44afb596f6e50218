import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import fc from 'fast-check';
// The library's entry point, as the apps load it: it installs the OpenSSL engine in @nostro/shared.
import {
  inclusionProof,
  inclusionProofFast,
  inclusionProofsFast,
  merkleRoot,
  merkleRootFast,
  merkleTreeProofs,
  nobleSha256,
  opensslSha256,
  sha256Engine,
  sha256Hex,
} from '../index';

const utf8 = new TextEncoder();

describe('opensslSha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('hashes the FIPS 180 example %j', (input, digest) => {
    expect(opensslSha256.hex(input)).toBe(digest);
    expect(bytesToHex(opensslSha256.bytes(utf8.encode(input)))).toBe(digest);
  });

  it('agrees with @noble/hashes on any bytes and on any string (as UTF-8)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'grapheme' }), (bytes, text) => {
        expect(opensslSha256.hex(bytes)).toBe(bytesToHex(sha256(bytes)));
        expect(opensslSha256.bytes(bytes)).toEqual(nobleSha256.bytes(bytes));
        expect(opensslSha256.hex(text)).toBe(nobleSha256.hex(text));
        expect(opensslSha256.bytes(text)).toEqual(nobleSha256.bytes(text));
      }),
    );
  });

  it('returns a plain 32-byte Uint8Array, not a Buffer', () => {
    const digest = opensslSha256.bytes('x');
    expect(digest).toHaveLength(32);
    expect(Buffer.isBuffer(digest)).toBe(false);
  });
});

describe('the domain hashing of @nostro/shared once this library is loaded', () => {
  it('uses OpenSSL', () => {
    expect(sha256Engine()).toBe(opensslSha256);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('builds the same Merkle root and proofs as the portable RFC 6962 reference (merkle.ts, @noble/hashes)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), fc.nat(), (leaves, seed) => {
        expect(merkleRootFast(leaves)).toBe(merkleRoot(leaves));
        expect(inclusionProofsFast(leaves)).toEqual(merkleTreeProofs(leaves));
        if (leaves.length > 0) expect(inclusionProofFast(leaves, seed % leaves.length)).toEqual(inclusionProof(leaves, seed % leaves.length));
      }),
    );
  });

  it('hashes string leaves (canonical JSON of ledger leaves) as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 20 }), (texts) => {
        expect(merkleRootFast(texts)).toBe(merkleRoot(texts.map((t) => utf8.encode(t))));
      }),
    );
  });
});
