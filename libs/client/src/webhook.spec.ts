/** Webhook verification as a bank runs it: the network signs like a bank does (RFC 9421, keyid "nostro"). */
import { base64UrlEncode, generateEd25519KeyPair, signRequest } from '@nostro/shared-node';
import { verifyWebhook } from './webhook';

const network = generateEd25519KeyPair();
const networkPublicKey = base64UrlEncode(network.publicKey);
const URL = 'https://bank.example/webhooks/nostro';
const NOW = 1_800_000_000;
const event = {
  id: '9b2f7c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
  type: 'payment.settled',
  occurredAt: '2027-01-15T08:00:00.000Z',
  data: { payment: { uetr: 'u', status: 'SETTLED' } },
};
const body = JSON.stringify(event);

function delivered(o: { keyId?: string; seed?: Uint8Array; url?: string; created?: number; body?: string } = {}) {
  const headers = { 'content-type': 'application/json' };
  const signature = signRequest({
    method: 'POST',
    url: o.url ?? URL,
    headers,
    body: o.body ?? body,
    keyId: o.keyId ?? 'nostro',
    seed: o.seed ?? network.seed,
    created: o.created ?? NOW,
  });
  return { method: 'POST', url: URL, headers: { ...headers, ...signature }, body: o.body ?? body };
}

const trust = { networkPublicKey, nowSeconds: NOW };

describe('verifyWebhook', () => {
  it('accepts a webhook signed by the network key and returns the event', async () => {
    expect(await verifyWebhook(delivered(), trust)).toEqual({ ok: true, event });
    expect(await verifyWebhook({ ...delivered(), body: new TextEncoder().encode(body) }, trust)).toMatchObject({ ok: true });
  });

  it.each([
    ['another key', delivered({ seed: generateEd25519KeyPair().seed }), 'signature_invalid'],
    ['another keyid', delivered({ keyId: 'BANKUS33' }), 'key_unknown'],
    ['another URL', delivered({ url: 'https://attacker.example/hook' }), 'signature_invalid'],
    ['an old signature', delivered({ created: NOW - 301 }), 'signature_expired'],
  ])('refuses %s', async (_why, received, code) => {
    expect(await verifyWebhook(received, trust)).toMatchObject({ ok: false, code });
  });

  it('refuses a changed body', async () => {
    const received = delivered();
    expect(await verifyWebhook({ ...received, body: body.replace('SETTLED', 'REJECTED') }, trust)).toMatchObject({ ok: false, code: 'digest_mismatch' });
  });

  it('refuses a correctly signed body that is not a webhook event', async () => {
    expect(await verifyWebhook(delivered({ body: '{"id":"x"}' }), trust)).toMatchObject({ ok: false, code: 'malformed' });
    expect(await verifyWebhook(delivered({ body: 'not json' }), trust)).toMatchObject({ ok: false, code: 'malformed' });
  });
});
