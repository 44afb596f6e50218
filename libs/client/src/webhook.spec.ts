/** Webhook verification as a bank runs it: the network signs like a bank does (RFC 9421, keyid "nostro"). */
import { base64UrlEncode, generateEd25519KeyPair, signRequest } from '@nostro/shared-node';
import { testNetwork, transfer } from './testing/finality-proof';
import { verifyPaymentFinality, verifyReturnFinality, verifyWebhook, isKnownWebhookType } from './webhook';

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

  it.each(['payment.cancelled', 'payment.recall_requested', 'payment.recall_resolved', 'payment.returned', 'return.settled', 'return.rejected'])(
    'accepts the way-back event %s',
    async (type) => {
      const typed = JSON.stringify({ ...event, type });
      expect(await verifyWebhook(delivered({ body: typed }), trust)).toEqual({ ok: true, event: { ...event, type } });
    },
  );

  it('refuses a correctly signed body that is not a webhook event', async () => {
    expect(await verifyWebhook(delivered({ body: '{"id":"x"}' }), trust)).toMatchObject({ ok: false, code: 'malformed' });
    expect(await verifyWebhook(delivered({ body: 'not json' }), trust)).toMatchObject({ ok: false, code: 'malformed' });
    expect(await verifyWebhook(delivered({ body: JSON.stringify({ ...event, type: 'Payment Exploded!' }) }), trust)).toMatchObject({
      ok: false,
      code: 'malformed',
    });
    expect(await verifyWebhook(delivered({ body: JSON.stringify({ ...event, type: 7 }) }), trust)).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('tolerates a type added to the API after this SDK (API.md: new enum values are additive)', async () => {
    const verdict = await verifyWebhook(delivered({ body: JSON.stringify({ ...event, type: 'payment.teleported' }) }), trust);
    expect(verdict).toEqual({ ok: true, event: { ...event, type: 'payment.teleported' } });
    expect(isKnownWebhookType('payment.teleported')).toBe(false);
    expect(isKnownWebhookType('payment.returned')).toBe(true);
  });
});

describe('finality of a payment and of its returns', () => {
  const UETR = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  const RETURN_ID = 'b7e1d7a0-6c1f-4f7e-9a51-0d2b3c4d5e6f';
  const network = testNetwork();
  const block = [
    transfer('tx-payment', UETR),
    transfer('tx-return', UETR, { returnId: RETURN_ID }),
    transfer('tx-rejected', UETR, { returnId: 'r-2', outcome: { status: 'rejected', reason: 'insufficient_funds' } }),
  ];
  const [paymentProof, returnProof, rejectedProof] = [0, 1, 2].map((index) => network.prove(block, index));

  it("verifyPaymentFinality accepts the payment's proof and refuses its return's, which carries the same uetr", () => {
    expect(verifyPaymentFinality(UETR, paymentProof, network.keys)).toEqual({ ok: true });
    expect(verifyPaymentFinality(UETR, returnProof, network.keys)).toEqual({ ok: false, reason: 'the proof is of another transaction' });
  });

  it("verifyReturnFinality accepts the return's proof only, for its payment and return id", () => {
    expect(verifyReturnFinality(UETR, RETURN_ID, returnProof, network.keys)).toEqual({ ok: true });
    expect(verifyReturnFinality(UETR, RETURN_ID, paymentProof, network.keys)).toEqual({ ok: false, reason: 'the proof is of another transaction' });
    expect(verifyReturnFinality(UETR, 'r-other', returnProof, network.keys)).toEqual({ ok: false, reason: 'the proof is of another transaction' });
    expect(verifyReturnFinality('00000000-0000-4000-8000-000000000000', RETURN_ID, returnProof, network.keys)).toMatchObject({ ok: false });
  });

  it('reports a return the ledger rejected, and a proof that does not verify', () => {
    expect(verifyReturnFinality(UETR, 'r-2', rejectedProof, network.keys)).toEqual({ ok: false, reason: 'the ledger rejected it: insufficient_funds' });
    const forged = { ...returnProof, transaction: { ...returnProof.transaction, postings: [{ account: 'X', currency: 'USD', amount: '1' }] } };
    expect(verifyReturnFinality(UETR, RETURN_ID, forged, network.keys)).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
    expect(verifyReturnFinality(UETR, RETURN_ID, returnProof, testNetwork().keys)).toEqual({ ok: false, reason: 'quorum_not_reached' });
  });
});
