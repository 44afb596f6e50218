import { hexToBytes } from '@noble/hashes/utils';
import { parseSignatureFields } from '@nostro/shared';
import { generateEd25519KeyPair } from '../crypto/ed25519';
import { hasBody, requiredComponents, signRequest } from './sign-request';

const { seed } = generateEd25519KeyPair();
const base = { url: 'http://127.0.0.1:3000/v1/accounts', keyId: 'BANKA001', seed, created: 1_700_000_000 };

function covered(headers: { 'Signature-Input': string; Signature: string }): string[] {
  return parseSignatureFields(headers['Signature-Input'], headers.Signature).components;
}

describe('signRequest', () => {
  it('covers only @method and @target-uri for a GET without body', () => {
    const out = signRequest({ ...base, method: 'GET' });
    expect(covered(out)).toEqual(['@method', '@target-uri']);
    expect(out['Content-Digest']).toBeUndefined();
    expect(out['Signature-Input']).toBe('sig1=("@method" "@target-uri");created=1700000000;keyid="BANKA001";alg="ed25519"');
  });

  it('adds content-digest for a body and idempotency-key when that header is sent (any case)', () => {
    const out = signRequest({ ...base, method: 'POST', body: '{}', headers: { 'IDEMPOTENCY-KEY': 'k' } });
    expect(covered(out)).toEqual(['@method', '@target-uri', 'content-digest', 'idempotency-key']);
    expect(out['Content-Digest']).toMatch(/^sha-256=:[A-Za-z0-9+/]{43}=:$/);
  });

  it('treats an empty body as no body', () => {
    expect(signRequest({ ...base, method: 'POST', body: '' })['Content-Digest']).toBeUndefined();
    expect(signRequest({ ...base, method: 'POST', body: new Uint8Array(0) })['Content-Digest']).toBeUndefined();
  });

  it('replaces a Content-Digest the caller passed with the digest of the actual body', () => {
    const out = signRequest({ ...base, method: 'POST', body: '{}', headers: { 'Content-Digest': 'sha-256=:AAAA:' } });
    expect(out['Content-Digest']).not.toBe('sha-256=:AAAA:');
  });

  it('signs the method the way fetch will send it', () => {
    const lower = signRequest({ ...base, method: 'post', body: '{}' });
    const upper = signRequest({ ...base, method: 'POST', body: '{}' });
    expect(lower.Signature).toBe(upper.Signature);
  });

  it('defaults created to now and adds the nonce when given', () => {
    const before = Math.floor(Date.now() / 1000);
    const out = signRequest({ ...base, created: undefined, method: 'GET', nonce: 'abc' });
    const params = parseSignatureFields(out['Signature-Input'], out.Signature).params;
    expect(params.get('created')).toBeGreaterThanOrEqual(before);
    expect(params.get('created')).toBeLessThanOrEqual(before + 2);
    expect(params.get('nonce')).toBe('abc');
  });
});

describe('required components', () => {
  it.each([
    [false, false, ['@method', '@target-uri']],
    [true, false, ['@method', '@target-uri', 'content-digest']],
    [false, true, ['@method', '@target-uri', 'idempotency-key']],
    [true, true, ['@method', '@target-uri', 'content-digest', 'idempotency-key']],
  ])('body=%s, idempotency key=%s → %j', (withBody, withKey, expected) => {
    expect(requiredComponents(withBody, withKey)).toEqual(expected);
  });

  it('has a body only when it is non-empty', () => {
    expect([hasBody(undefined), hasBody(''), hasBody(new Uint8Array(0)), hasBody('x')]).toEqual([false, false, false, true]);
  });
});

describe('the fixed vector of signature-base.spec (libs/shared)', () => {
  /** RFC 8032 §7.1 TEST 1 key: a fixed, public seed for a reproducible vector. */
  const SEED = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const FIXED = {
    method: 'POST',
    url: 'http://127.0.0.1:3000/v1/payments?dryRun=false',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': '5f2b3c3e-8a4b-4c1d-9e2f-0a1b2c3d4e5f' },
    body: '{"hello": "world"}',
    keyId: 'BANKA001',
    created: 1_700_000_000,
    nonce: 'n-1',
  };

  it('is what signRequest produces with node:crypto: the hand-written digest and input, the signature @noble/curves makes', () => {
    expect(signRequest({ ...FIXED, seed: SEED })).toEqual({
      'Content-Digest': 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
      'Signature-Input': 'sig1=("@method" "@target-uri" "content-digest" "idempotency-key");created=1700000000;keyid="BANKA001";alg="ed25519";nonce="n-1"',
      Signature: 'sig1=:ZFLjnCilKxKL+/rAjpt1knLewVYDqAIQsiiZ8c+Z7cINEp3XbL131vEWoTIazKHy/5IcvfPcC9B0g2vZrSsnBw==:',
    });
  });
});
