import { hexToBytes } from '@noble/hashes/utils';
import { base64Encode, base64UrlEncode } from '../crypto/base64';
import { ed25519SignPortable, generateEd25519KeyPairPortable } from '../crypto/ed25519-strict';
import { sha256Hex } from '../crypto/sha256';
import { blockHash, type BlockHeader, genesisPrevHash, signBlock, verifyBlockSignature } from './block-header';

const header: BlockHeader = {
  height: 1,
  prevHash: sha256Hex('nostro-local'),
  merkleRoot: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  stateDigest: 'ab'.repeat(32),
  txCount: 0,
  timestamp: 1_700_000_000_123,
};

describe('blockHash', () => {
  it('is the SHA-256 of the JCS of the six fields', () => {
    const jcs =
      `{"height":1,"merkleRoot":"${header.merkleRoot}","prevHash":"${header.prevHash}",` +
      `"stateDigest":"${header.stateDigest}","timestamp":1700000000123,"txCount":0}`;
    expect(blockHash(header)).toBe(sha256Hex(jcs));
    expect(blockHash(header)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores any other property (a block with its hash and signatures hashes the same)', () => {
    const block = { ...header, hash: 'ff'.repeat(32), signatures: [] };
    expect(blockHash(block)).toBe(blockHash(header));
  });

  it.each([
    ['height', { height: 2 }],
    ['prevHash', { prevHash: 'cd'.repeat(32) }],
    ['merkleRoot', { merkleRoot: 'cd'.repeat(32) }],
    ['stateDigest', { stateDigest: 'cd'.repeat(32) }],
    ['txCount', { txCount: 1 }],
    ['timestamp', { timestamp: header.timestamp + 1 }],
  ])('changes when %s changes', (_field, change) => {
    expect(blockHash({ ...header, ...change })).not.toBe(blockHash(header));
  });

  it.each([
    ['a fractional height', { height: 1.5 }],
    ['a negative txCount', { txCount: -1 }],
    ['an unsafe timestamp', { timestamp: 2 ** 53 }],
    ['an uppercase prevHash', { prevHash: 'AB'.repeat(32) }],
    ['a short merkleRoot', { merkleRoot: 'ab' }],
    ['a string height', { height: '1' as unknown as number }],
  ])('refuses %s', (_why, change) => {
    expect(() => blockHash({ ...header, ...change })).toThrow(TypeError);
  });
});

describe('genesisPrevHash', () => {
  it('is the hex SHA-256 of the UTF-8 network id', () => {
    expect(genesisPrevHash('nostro-local')).toBe(sha256Hex('nostro-local'));
    expect(genesisPrevHash('réseau-€')).toBe(sha256Hex(new TextEncoder().encode('réseau-€')));
  });

  it('refuses an empty network id', () => {
    expect(() => genesisPrevHash('')).toThrow(TypeError);
  });
});

describe('block signatures', () => {
  const validator = generateEd25519KeyPairPortable();
  const hash = blockHash(header);

  it('sign over the 32 raw hash bytes, as padded standard base64', () => {
    const signature = signBlock(hash, validator.seed);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(signature).toBe(base64Encode(ed25519SignPortable(hexToBytes(hash), validator.seed)));
  });

  it('verify with the raw key or its base64url form', () => {
    const signature = signBlock(hash, validator.seed);
    expect(verifyBlockSignature(hash, signature, validator.publicKey)).toBe(true);
    expect(verifyBlockSignature(hash, signature, base64UrlEncode(validator.publicKey))).toBe(true);
  });

  it('fail for another block, another key, or a malformed signature, without throwing', () => {
    const signature = signBlock(hash, validator.seed);
    const other = generateEd25519KeyPairPortable();
    expect(verifyBlockSignature(blockHash({ ...header, height: 2 }), signature, validator.publicKey)).toBe(false);
    expect(verifyBlockSignature(hash, signature, other.publicKey)).toBe(false);
    expect(verifyBlockSignature(hash, signature.replace(/==$/, ''), validator.publicKey)).toBe(false);
    expect(verifyBlockSignature(hash, 'not base64', validator.publicKey)).toBe(false);
    expect(verifyBlockSignature(hash, signature, 'not a key')).toBe(false);
    expect(verifyBlockSignature(hash.toUpperCase(), signature, validator.publicKey)).toBe(false);
  });

  it('refuses to sign something that is not a lowercase hex hash', () => {
    expect(() => signBlock('abc', validator.seed)).toThrow(TypeError);
    expect(() => signBlock(hash.toUpperCase(), validator.seed)).toThrow(TypeError);
  });
});
