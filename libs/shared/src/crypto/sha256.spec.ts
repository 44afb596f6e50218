import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import fc from 'fast-check';
import { AssertionError } from '../assert';
import { nobleSha256, sha256Bytes, sha256Engine, sha256Hex, useSha256Engine } from './sha256';

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('hashes the FIPS 180 example %j', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
    expect(bytesToHex(sha256Bytes(new TextEncoder().encode(input)))).toBe(digest);
  });

  it('hashes strings as UTF-8, and agrees with @noble/hashes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const expected = bytesToHex(sha256(new TextEncoder().encode(text)));
        expect(sha256Hex(text)).toBe(expected);
        expect(bytesToHex(sha256Bytes(text))).toBe(expected);
      }),
    );
  });

  it('returns a plain 32-byte Uint8Array', () => {
    const digest = sha256Bytes('x');
    expect(digest).toBeInstanceOf(Uint8Array);
    expect(digest).toHaveLength(32);
  });

  it('is @noble/hashes until an engine is installed (@nostro/shared-node installs OpenSSL’s)', () => {
    expect(sha256Engine()).toBe(nobleSha256);
  });

  it('hashes with the installed engine', () => {
    const other = { ...nobleSha256, name: 'other' };
    try {
      useSha256Engine(other);
      expect(sha256Engine()).toBe(other);
      expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    } finally {
      useSha256Engine(nobleSha256);
    }
  });

  it('refuses an engine that does not reproduce the FIPS 180 examples, and keeps the one in use', () => {
    const wrong = { name: 'wrong', bytes: () => new Uint8Array(32), hex: () => '00'.repeat(32) };
    expect(() => useSha256Engine(wrong)).toThrow(AssertionError);
    const textOnly = { name: 'text-only', bytes: () => new Uint8Array(32), hex: nobleSha256.hex };
    expect(() => useSha256Engine(textOnly)).toThrow('SHA-256 engine text-only fails the FIPS 180 examples');
    expect(sha256Engine()).toBe(nobleSha256);
  });
});
