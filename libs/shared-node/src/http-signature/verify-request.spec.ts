import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import { isInnerList, parseDictionary } from 'structured-headers';
import { base64UrlEncode, type HeaderFields } from '@nostro/shared';
import { ed25519Sign, generateEd25519KeyPair } from '../crypto/ed25519';
import { contentDigest } from './content-digest';
import { signRequest } from './sign-request';
import { verifyRequest, type VerifyRequestInput, type VerifyRequestOptions } from './verify-request';

const bank = generateEd25519KeyPair();
const other = generateEd25519KeyPair();
const NOW = 1_700_000_000;
const TARGET = 'http://127.0.0.1:3000/v1/payments';
const keys: Record<string, Uint8Array | string> = { BANKA001: bank.publicKey, BANKB001: base64UrlEncode(other.publicKey) };
const options: VerifyRequestOptions = { lookupKey: (keyId) => keys[keyId], nowSeconds: NOW };

interface Outgoing {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  keyId?: string;
  seed?: Uint8Array;
  created?: number;
  nonce?: string;
}

/** Signs like a bank would and returns what the gateway would see. */
function signed(request: Outgoing = {}): VerifyRequestInput {
  const method = request.method ?? 'POST';
  const url = request.url ?? TARGET;
  const body = request.body;
  const headers = { 'content-type': 'application/json', ...request.headers };
  const added = signRequest({
    method,
    url,
    headers,
    body,
    keyId: request.keyId ?? 'BANKA001',
    seed: request.seed ?? bank.seed,
    created: request.created ?? NOW,
    nonce: request.nonce,
  });
  return { method, targetUri: url, headers: { ...headers, ...added }, rawBody: body };
}

const paymentBody = '{"quoteId":"q-1","endToEndId":"E2E-1"}';

describe('verifyRequest: round trips', () => {
  it('accepts a signed GET without body', async () => {
    expect(await verifyRequest(signed({ method: 'GET', url: `${TARGET}?limit=10` }), options)).toEqual({
      ok: true,
      keyId: 'BANKA001',
      created: NOW,
    });
  });

  it('accepts a signed POST with body and Idempotency-Key, and returns the nonce', async () => {
    const input = signed({ body: paymentBody, headers: { 'Idempotency-Key': 'idem-1' }, nonce: 'nonce-1' });
    expect(await verifyRequest(input, options)).toEqual({ ok: true, keyId: 'BANKA001', created: NOW, nonce: 'nonce-1' });
  });

  it('accepts a body with non-ASCII text, given as bytes to the verifier', async () => {
    const body = JSON.stringify({ debtor: { name: 'Zoë Ångström-Øster', account: 'DE89 3704' }, remittanceInfo: 'Łódź → 東京 💶' });
    const input = signed({ body });
    expect(await verifyRequest({ ...input, rawBody: new TextEncoder().encode(body) }, options)).toMatchObject({ ok: true });
  });

  it('does not care about the case of header names on either side', async () => {
    const input = signed({ body: paymentBody, headers: { 'IDEMPOTENCY-KEY': 'idem-2' } });
    const shouted = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toUpperCase(), v]));
    const lowered = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(await verifyRequest({ ...input, headers: shouted }, options)).toMatchObject({ ok: true });
    expect(await verifyRequest({ ...input, headers: lowered }, options)).toMatchObject({ ok: true });
  });

  it('accepts a key given as base64url, and an async key lookup', async () => {
    const input = signed({ keyId: 'BANKB001', seed: other.seed });
    const lookupKey = async (keyId: string) => Promise.resolve(keys[keyId]);
    expect(await verifyRequest(input, { ...options, lookupKey })).toMatchObject({ ok: true, keyId: 'BANKB001' });
  });

  it('accepts created exactly 300 s away on either side', async () => {
    expect(await verifyRequest(signed({ created: NOW - 300 }), options)).toMatchObject({ ok: true });
    expect(await verifyRequest(signed({ created: NOW + 300 }), options)).toMatchObject({ ok: true });
  });
});

describe('verifyRequest: refusals', () => {
  const expectCode = async (input: VerifyRequestInput, code: string, opts = options) => {
    const result = await verifyRequest(input, opts);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.detail.length).toBeGreaterThan(0);
  };

  it('signature_missing without Signature-Input or Signature', async () => {
    const input = signed({ body: paymentBody });
    const withoutInput = Object.fromEntries(Object.entries(input.headers).filter(([k]) => k !== 'Signature-Input'));
    const withoutSignature = Object.fromEntries(Object.entries(input.headers).filter(([k]) => k !== 'Signature'));
    await expectCode({ ...input, headers: { 'content-type': 'application/json' } }, 'signature_missing');
    await expectCode({ ...input, headers: withoutInput }, 'signature_missing');
    await expectCode({ ...input, headers: withoutSignature }, 'signature_missing');
  });

  it('key_unknown for a keyid nobody registered', async () => {
    await expectCode(signed({ keyId: 'NOBODY01' }), 'key_unknown');
  });

  it('digest_mismatch when the body is not the one digested', async () => {
    const input = signed({ body: paymentBody });
    await expectCode({ ...input, rawBody: paymentBody.replace('E2E-1', 'E2E-2') }, 'digest_mismatch');
    await expectCode({ ...input, headers: { ...input.headers, 'Content-Digest': contentDigest('{}') } }, 'digest_mismatch');
  });

  it('signature_expired when created is more than 300 s from now, either way, or expires has passed', async () => {
    await expectCode(signed({ created: NOW - 301 }), 'signature_expired');
    await expectCode(signed({ created: NOW + 301 }), 'signature_expired');
    await expectCode(signed({ created: NOW - 100 }), 'signature_expired', { ...options, maxSkewSeconds: 60 });
    await expectCode(
      withInput(signed(), (i) => i.replace('alg=', 'expires=1699999999;alg=')),
      'signature_expired',
    );
  });

  it('signature_invalid for a signature by another key', async () => {
    await expectCode(signed({ seed: other.seed }), 'signature_invalid');
  });

  it('signature_invalid when the method, target URI or idempotency key differ from what was signed', async () => {
    const input = signed({ body: paymentBody, headers: { 'Idempotency-Key': 'idem-1' } });
    await expectCode({ ...input, method: 'PUT' }, 'signature_invalid');
    await expectCode({ ...input, targetUri: 'http://127.0.0.1:3000/v1/payments/batch' }, 'signature_invalid');
    await expectCode({ ...input, targetUri: `${TARGET}?x=1` }, 'signature_invalid');
    await expectCode({ ...input, headers: { ...input.headers, 'Idempotency-Key': 'idem-2' } }, 'signature_invalid');
  });

  it('signature_invalid when a required component is not covered', async () => {
    // A body signed as if there were none: content-digest not covered.
    const bodyless = signed();
    const digest = contentDigest(paymentBody);
    await expectCode({ ...bodyless, rawBody: paymentBody, headers: { ...bodyless.headers, 'Content-Digest': digest } }, 'signature_invalid');
    // An Idempotency-Key added after signing.
    const unkeyed = signed({ body: paymentBody });
    await expectCode({ ...unkeyed, headers: { ...unkeyed.headers, 'Idempotency-Key': 'late' } }, 'signature_invalid');
    // A body without any Content-Digest.
    const noDigest = Object.fromEntries(Object.entries(unkeyed.headers).filter(([k]) => k !== 'Content-Digest'));
    await expectCode({ ...unkeyed, headers: noDigest }, 'signature_invalid');
  });

  it.each([
    ['another alg', (i: string) => i.replace('alg="ed25519"', 'alg="rsa-pss-sha512"')],
    ['alg as a token', (i: string) => i.replace('alg="ed25519"', 'alg=ed25519')],
    ['no keyid', (i: string) => i.replace(';keyid="BANKA001"', '')],
    ['no created', (i: string) => i.replace(';created=1700000000', '')],
    ['a decimal created', (i: string) => i.replace('created=1700000000', 'created=1700000000.5')],
    ['a keyid that is a number', (i: string) => i.replace('keyid="BANKA001"', 'keyid=7')],
    ['a broken dictionary', (i: string) => i.replace('sig1=(', 'sig1=((')],
    ['a component with parameters', (i: string) => i.replace('"@method"', '"@method";req')],
    ['a component the gateway cannot rebuild', (i: string) => i.replace('"@method"', '"@method" "@authority"')],
  ])('signature_invalid for %s', async (_why, edit) => {
    await expectCode(withInput(signed(), edit), 'signature_invalid');
  });

  it('signature_invalid for a Signature that is not a 64-byte byte sequence', async () => {
    const input = signed();
    await expectCode({ ...input, headers: { ...input.headers, Signature: 'sig1=:AAAA:' } }, 'signature_invalid');
    await expectCode({ ...input, headers: { ...input.headers, Signature: 'sig1="text"' } }, 'signature_invalid');
    await expectCode({ ...input, headers: { ...input.headers, Signature: 'sig2=:AAAA:' } }, 'signature_invalid');
  });

  it('lets a failing key store throw instead of blaming the client', async () => {
    const lookupKey = () => Promise.reject(new Error('redis down'));
    await expect(verifyRequest(signed(), { ...options, lookupKey })).rejects.toThrow('redis down');
  });
});

describe('verifyRequest: label choice', () => {
  it('uses sig1 when several signatures are present', async () => {
    const input = signed();
    const headers: HeaderFields = {
      ...input.headers,
      'Signature-Input': `other=("@method");created=1;keyid="x", ${String(input.headers['Signature-Input'])}`,
      Signature: `other=:${Buffer.alloc(64).toString('base64')}:, ${String(input.headers.Signature)}`,
    };
    expect(await verifyRequest({ ...input, headers }, options)).toMatchObject({ ok: true });
  });

  it('uses the first signature when there is no sig1', async () => {
    const input = signed();
    const headers = {
      ...input.headers,
      'Signature-Input': String(input.headers['Signature-Input']).replace('sig1=', 'bank='),
      Signature: String(input.headers.Signature).replace('sig1=', 'bank='),
    };
    expect(await verifyRequest({ ...input, headers }, options)).toMatchObject({ ok: true });
  });
});

/** Edits the Signature-Input and re-signs, so only the edit can make verification fail. */
function withInput(input: VerifyRequestInput, edit: (signatureInput: string) => string): VerifyRequestInput {
  const signatureInput = edit(String(input.headers['Signature-Input']));
  const headers = { ...input.headers, 'Signature-Input': signatureInput };
  let signature = String(input.headers.Signature);
  try {
    signature = resign(signatureInput, { ...input, headers });
  } catch {
    // Not parseable: nobody could sign it, so keep the old signature.
  }
  return { ...input, headers: { ...headers, Signature: signature } };
}

/** Builds the base by hand (as a peer implementation would) and signs it with the bank's key. */
function resign(signatureInput: string, input: VerifyRequestInput): string {
  const [[label, member]] = [...parseDictionary(signatureInput)];
  const list = signatureInput.slice(label.length + 1);
  const components = isInnerList(member) ? member[0].map(([name]) => String(name)) : [];
  const lines = components.map((name) => {
    if (name === '@method') return `"@method": ${input.method}`;
    if (name === '@target-uri') return `"@target-uri": ${input.targetUri}`;
    const key = Object.keys(input.headers).find((k) => k.toLowerCase() === name) ?? name;
    return `"${name}": ${String(input.headers[key])}`;
  });
  const base = [...lines, `"@signature-params": ${list}`].join('\n');
  return `${label}=:${Buffer.from(ed25519Sign(new TextEncoder().encode(base), bank.seed)).toString('base64')}:`;
}

describe('interoperability with http-message-signatures (another RFC 9421 implementation)', () => {
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), bank.seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);

  it('we verify what it signs, with its own parameter order and label', async () => {
    const body = '{"amount":"10.00"}';
    const headers: Record<string, string | string[]> = {
      'Content-Type': 'application/json',
      'Content-Digest': contentDigest(body),
      'Idempotency-Key': 'k-9',
    };
    const message = { method: 'POST', url: TARGET, headers };
    const signedMessage = await httpbis.signMessage(
      {
        key: { id: 'BANKA001', alg: 'ed25519', sign: async (data: Buffer) => Promise.resolve(nodeSign(null, data, privateKey)) },
        name: 'bank',
        fields: ['@method', '@target-uri', 'content-digest', 'idempotency-key'],
        params: ['keyid', 'alg', 'created', 'expires', 'nonce'],
        paramValues: { created: new Date(NOW * 1000), expires: new Date((NOW + 60) * 1000), nonce: 'lib-nonce' },
      },
      message,
    );
    const input = { method: 'POST', targetUri: TARGET, headers: signedMessage.headers, rawBody: body };
    expect(String(signedMessage.headers['Signature-Input'])).toMatch(/^bank=\(.*\);keyid="BANKA001";alg="ed25519";created=/);
    expect(await verifyRequest(input, options)).toEqual({ ok: true, keyId: 'BANKA001', created: NOW, nonce: 'lib-nonce' });
  });

  it('it verifies what we sign', async () => {
    const input = signed({ body: paymentBody, headers: { 'Idempotency-Key': 'idem-3' }, created: Math.floor(Date.now() / 1000) });
    const headers = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k, String(v)]));
    const verified = await httpbis.verifyMessage(
      {
        keyLookup: async (params) =>
          Promise.resolve(
            params.keyid === 'BANKA001'
              ? { id: 'BANKA001', algs: ['ed25519'], verify: async (data: Buffer, sig: Buffer) => Promise.resolve(nodeVerify(null, data, publicKey, sig)) }
              : null,
          ),
      },
      { method: 'POST', url: TARGET, headers },
    );
    expect(verified).toBe(true);
  });
});
