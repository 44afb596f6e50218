import { hexToBytes } from '@noble/hashes/utils';
import { base64Encode, base64UrlEncode, signBlock, verifyBlockSignature } from '@nostro/shared';
import { ed25519Sign, generateEd25519KeyPair } from '../crypto/ed25519';
import { signBlockFast, verifyBlockSignatureFast } from './block-signature-fast';

describe('verifyBlockSignatureFast (node:crypto) agrees with the portable strict verifier', () => {
  const keys = generateEd25519KeyPair();
  const other = generateEd25519KeyPair();
  const hash = 'ab'.repeat(32);
  const signature = signBlock(hash, keys.seed);
  const flipped = (sig: string) => {
    const bytes = Buffer.from(sig, 'base64');
    bytes[10] ^= 1;
    return base64Encode(bytes);
  };
  const cases: [string, string, string, Uint8Array | string][] = [
    ['valid, raw key', hash, signature, keys.publicKey],
    ['valid, base64url key', hash, signature, base64UrlEncode(keys.publicKey)],
    ['another hash', 'cd'.repeat(32), signature, keys.publicKey],
    ['another key', hash, signature, other.publicKey],
    ['a flipped signature bit', hash, flipped(signature), keys.publicKey],
    ['a truncated signature', hash, signature.slice(0, 40), keys.publicKey],
    ['not base64', hash, '!!!!', keys.publicKey],
    ['an upper-case hash', hash.toUpperCase(), signature, keys.publicKey],
    ['a short key', hash, signature, keys.publicKey.slice(0, 31)],
    // small-order keys: the identity and the point of order 2 (OpenSSL alone would accept some signatures under them)
    ['the identity as key', hash, signature, Buffer.from('01'.padEnd(64, '0'), 'hex')],
    ['the order-2 point as key', hash, signature, Buffer.from(`ec${'ff'.repeat(30)}7f`, 'hex')],
  ];

  it.each(cases)('%s', (_name, h, sig, key) => {
    expect(verifyBlockSignatureFast(h, sig, key)).toBe(verifyBlockSignature(h, sig, key));
  });

  it('accepts the valid signature and refuses the others', () => {
    expect(cases.filter(([, h, sig, key]) => verifyBlockSignatureFast(h, sig, key)).map(([name]) => name)).toEqual(['valid, raw key', 'valid, base64url key']);
  });

  it('signBlock (@noble/curves) makes the signature node:crypto makes over the 32 raw hash bytes', () => {
    expect(signature).toBe(base64Encode(ed25519Sign(hexToBytes(hash), keys.seed)));
  });

  it('signBlockFast (node:crypto) makes the same signature as signBlock and refuses a malformed hash', () => {
    expect(signBlockFast(hash, keys.seed)).toBe(signature);
    expect(signBlockFast('cd'.repeat(32), other.seed)).toBe(signBlock('cd'.repeat(32), other.seed));
    expect(verifyBlockSignatureFast(hash, signBlockFast(hash, keys.seed), keys.publicKey)).toBe(true);
    expect(() => signBlockFast(hash.toUpperCase(), keys.seed)).toThrow('block header hash must be 64 lowercase hex characters');
    expect(() => signBlockFast('ab', keys.seed)).toThrow(TypeError);
  });
});
