import { hexToBytes } from '@noble/hashes/utils';
import { base64Encode } from '../crypto/base64';
import { ed25519SignPortable } from '../crypto/ed25519-strict';
import { signatureBase, SignatureBaseError } from './signature-base';

/** RFC 8032 §7.1 TEST 1 key: a fixed, public seed for a reproducible vector. */
const SEED = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');

/** Built by hand from RFC 9421 §2.5 and API.md; every byte of it is asserted. */
const FIXED = {
  method: 'POST',
  url: 'http://127.0.0.1:3000/v1/payments?dryRun=false',
  headers: { 'Content-Type': 'application/json', 'Idempotency-Key': '5f2b3c3e-8a4b-4c1d-9e2f-0a1b2c3d4e5f' },
  body: '{"hello": "world"}',
  keyId: 'BANKA001',
  created: 1_700_000_000,
  nonce: 'n-1',
};
const FIXED_BASE = [
  '"@method": POST',
  '"@target-uri": http://127.0.0.1:3000/v1/payments?dryRun=false',
  '"content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
  '"idempotency-key": 5f2b3c3e-8a4b-4c1d-9e2f-0a1b2c3d4e5f',
  '"@signature-params": ("@method" "@target-uri" "content-digest" "idempotency-key");created=1700000000;keyid="BANKA001";alg="ed25519";nonce="n-1"',
].join('\n');
const FIXED_SIGNATURE = 'ZFLjnCilKxKL+/rAjpt1knLewVYDqAIQsiiZ8c+Z7cINEp3XbL131vEWoTIazKHy/5IcvfPcC9B0g2vZrSsnBw==';

describe('the fixed vector', () => {
  it('has exactly the hand-written signature base', () => {
    const headers = { ...FIXED.headers, 'content-digest': 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:' };
    const components = ['@method', '@target-uri', 'content-digest', 'idempotency-key'];
    const params = { created: FIXED.created, keyid: FIXED.keyId, alg: 'ed25519', nonce: FIXED.nonce };
    expect(signatureBase(components, params, { method: 'POST', targetUri: FIXED.url, headers })).toBe(FIXED_BASE);
  });

  it('is signed by @noble/curves into the fixed signature (shared-node checks that signRequest, node:crypto, makes the same)', () => {
    expect(base64Encode(ed25519SignPortable(new TextEncoder().encode(FIXED_BASE), SEED))).toBe(FIXED_SIGNATURE);
  });
});

describe('signatureBase', () => {
  const request = {
    method: 'GET',
    targetUri: 'http://127.0.0.1:3000/v1/payments?status=SETTLED&limit=10',
    headers: { 'X-Multi': ['one ', ' two'], Accept: 'application/json' },
  };

  it('ends with the @signature-params line and no newline', () => {
    const base = signatureBase(['@method'], { created: 1, keyid: 'k' }, request);
    expect(base).toBe('"@method": GET\n"@signature-params": ("@method");created=1;keyid="k"');
  });

  it('keeps the parameter order it is given', () => {
    const base = signatureBase([], { keyid: 'k', created: 1, alg: 'ed25519' }, request);
    expect(base).toBe('"@signature-params": ();keyid="k";created=1;alg="ed25519"');
  });

  it('takes fields case-insensitively and joins multiple values', () => {
    const base = signatureBase(['accept', 'x-multi'], { created: 1 }, request);
    expect(base).toBe('"accept": application/json\n"x-multi": one, two\n"@signature-params": ("accept" "x-multi");created=1');
  });

  it('covers the full target URI including the query', () => {
    expect(signatureBase(['@target-uri'], {}, request)).toContain('"@target-uri": http://127.0.0.1:3000/v1/payments?status=SETTLED&limit=10\n');
  });

  it.each([
    ['an absent field', ['idempotency-key']],
    ['an uppercase component name', ['Accept']],
    ['an unsupported derived component', ['@path']],
    ['a component covered twice', ['@method', '@method']],
    ['@signature-params itself', ['@signature-params']],
  ])('refuses %s', (_why, components) => {
    expect(() => signatureBase(components, { created: 1 }, request)).toThrow(SignatureBaseError);
  });

  it('refuses a value with a line break', () => {
    const bad = { ...request, headers: { 'x-bad': 'a\nb' } };
    expect(() => signatureBase(['x-bad'], {}, bad)).toThrow(SignatureBaseError);
  });
});
