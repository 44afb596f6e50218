import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import fc from 'fast-check';
import { sha256Bytes, sha256Hex } from './sha256';

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
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
});
