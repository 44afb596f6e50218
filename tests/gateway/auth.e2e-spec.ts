import { NostroClient } from '@nostro/client';
import { base64Decode, base64Encode, base64UrlEncode, generateEd25519KeyPair, signRequest } from '@nostro/shared-node';
import { randomUUID } from 'node:crypto';
import { adminClient, cluster, fundFxDesk, withDb } from '../support/cluster';
import { bankWithKey, raw, signed, signedHeaders } from './support/gateway';

/** Order of the Ed25519 group (RFC 8032): S + L verifies under a lax verifier, never under ours. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function malleate(signatureHeader: string): string {
  const bytes = base64Decode(/^sig1=:(.*):$/.exec(signatureHeader)?.[1] ?? '');
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bytes[32 + i]);
  s += L;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return `sig1=:${base64Encode(out)}:`;
}

const withoutHeader = (headers: Record<string, string>, name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name));

describe('bank authentication (RFC 9421 / RFC 9530): each refusal has its own code', () => {
  let bank: Awaited<ReturnType<typeof bankWithKey>>;
  const body = JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: 'NOBODY01' });

  beforeAll(async () => {
    bank = await bankWithKey(['USD']);
  });

  const sign = (o: Partial<Parameters<typeof signedHeaders>[0]> = {}) => ({ path: '/v1/accounts', keyId: bank.id, seed: bank.seed, ...o });

  async function expectProblem(answer: Promise<Awaited<ReturnType<typeof raw>>>, status: number, code: string) {
    const a = await answer;
    expect({ status: a.status, code: a.body.code }).toEqual({ status, code });
    expect(a.headers.get('content-type')).toContain('application/problem+json');
    expect(a.body).toMatchObject({ type: `https://nostro.dev/problems/${code}`, status });
    expect(String(a.body.detail).length).toBeGreaterThan(0);
  }

  it('accepts a correctly signed GET and POST', async () => {
    expect((await signed(sign())).status).toBe(200);
    const quote = await signed(sign({ method: 'POST', path: '/v1/quotes', body }));
    expect(quote.body.code).toBe('corridor_unavailable'); // authenticated: refused for the unknown creditor, not for the signature
  });

  it('signature_missing: no Signature-Input and no Signature', async () => {
    await expectProblem(raw({ path: '/v1/accounts' }), 401, 'signature_missing');
    await expectProblem(raw({ method: 'POST', path: '/v1/payments', body: '{}', headers: { 'content-type': 'application/json' } }), 401, 'signature_missing');
  });

  it('signature_missing: one of the two fields alone', async () => {
    const headers = signedHeaders(sign());
    await expectProblem(raw({ path: '/v1/accounts', headers: withoutHeader(headers, 'signature') }), 401, 'signature_missing');
    await expectProblem(raw({ path: '/v1/accounts', headers: withoutHeader(headers, 'signature-input') }), 401, 'signature_missing');
  });

  it('key_unknown: a keyid nobody registered, and a revoked key', async () => {
    await expectProblem(signed(sign({ keyId: 'NOBODY-KEY-1' })), 401, 'key_unknown');
    const admin = adminClient();
    const second = generateEd25519KeyPair();
    await admin.addKey(bank.id, { keyId: `${bank.id}-tmp`, publicKey: base64UrlEncode(second.publicKey) });
    expect((await signed(sign({ keyId: `${bank.id}-tmp`, seed: second.seed }))).status).toBe(200);
    await admin.revokeKey(bank.id, `${bank.id}-tmp`);
    await expectProblem(signed(sign({ keyId: `${bank.id}-tmp`, seed: second.seed })), 401, 'key_unknown');
  });

  it('digest_mismatch: the body is not the one digested', async () => {
    const headers = signedHeaders(sign({ method: 'POST', path: '/v1/quotes', body }));
    await expectProblem(raw({ method: 'POST', path: '/v1/quotes', body: body.replace('1.00', '9.00'), headers }), 401, 'digest_mismatch');
  });

  it('signature_expired: created more than 300 s in the past or the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectProblem(signed(sign({ created: now - 301 })), 401, 'signature_expired');
    await expectProblem(signed(sign({ created: now + 360 })), 401, 'signature_expired');
    expect((await signed(sign({ created: now - 200 }))).status).toBe(200);
  });

  it('signature_replayed: a nonce used twice within the window; a new nonce is fine', async () => {
    const nonce = randomUUID();
    const headers = signedHeaders(sign({ nonce }));
    expect((await raw({ path: '/v1/accounts', headers })).status).toBe(200);
    await expectProblem(raw({ path: '/v1/accounts', headers }), 401, 'signature_replayed');
    expect((await signed(sign({ nonce: randomUUID() }))).status).toBe(200);
    // Without a nonce a repeat is allowed: Idempotency-Key makes money-moving repeats harmless instead.
    const plain = signedHeaders(sign());
    expect((await raw({ path: '/v1/accounts', headers: plain })).status).toBe(200);
    expect((await raw({ path: '/v1/accounts', headers: plain })).status).toBe(200);
  });

  it('signature_invalid: signed by another key, or the bytes do not verify', async () => {
    await expectProblem(signed(sign({ seed: generateEd25519KeyPair().seed })), 401, 'signature_invalid');
    const headers = signedHeaders(sign());
    const flipped = headers.Signature.replace(/^sig1=:(.)/, (_m, c: string) => `sig1=:${c === 'A' ? 'B' : 'A'}`);
    await expectProblem(raw({ path: '/v1/accounts', headers: { ...headers, Signature: flipped } }), 401, 'signature_invalid');
  });

  it('signature_invalid: a malleated signature (S + L) is refused (strict RFC 8032)', async () => {
    const headers = signedHeaders(sign());
    await expectProblem(raw({ path: '/v1/accounts', headers: { ...headers, Signature: malleate(headers.Signature) } }), 401, 'signature_invalid');
  });

  it('signature_invalid: @target-uri is rebuilt from the public base URL (another host or path does not verify)', async () => {
    await expectProblem(signed(sign({ signedUrl: 'http://gateway.example:3000/v1/accounts' })), 401, 'signature_invalid');
    await expectProblem(signed(sign({ path: '/v1/accounts?x=1', signedUrl: `${cluster().gatewayUrl}/v1/accounts` })), 401, 'signature_invalid');
  });

  it('signature_invalid: a required component is not covered', async () => {
    // content-digest not covered: the request was signed as if it had no body.
    const bodyless = signRequest({ method: 'POST', url: `${cluster().gatewayUrl}/v1/quotes`, keyId: bank.id, seed: bank.seed });
    const digestOnly = signedHeaders(sign({ method: 'POST', path: '/v1/quotes', body }))['Content-Digest'];
    await expectProblem(
      raw({ method: 'POST', path: '/v1/quotes', body, headers: { 'content-type': 'application/json', ...bodyless, 'Content-Digest': digestOnly } }),
      401,
      'signature_invalid',
    );
    // idempotency-key added after signing.
    const unkeyed = signedHeaders(sign({ method: 'POST', path: '/v1/quotes', body }));
    await expectProblem(raw({ method: 'POST', path: '/v1/quotes', body, headers: { ...unkeyed, 'idempotency-key': 'late-key' } }), 401, 'signature_invalid');
    // A body with no Content-Digest at all.
    await expectProblem(raw({ method: 'POST', path: '/v1/quotes', body, headers: withoutHeader(unkeyed, 'content-digest') }), 401, 'signature_invalid');
  });

  it('signature_invalid: an unsupported algorithm or a missing keyid', async () => {
    const headers = signedHeaders(sign());
    await expectProblem(
      raw({ path: '/v1/accounts', headers: { ...headers, 'Signature-Input': headers['Signature-Input'].replace('alg="ed25519"', 'alg="hmac-sha256"') } }),
      401,
      'signature_invalid',
    );
    await expectProblem(
      raw({ path: '/v1/accounts', headers: { ...headers, 'Signature-Input': headers['Signature-Input'].replace(/;keyid="[^"]*"/, '') } }),
      401,
      'signature_invalid',
    );
  });

  it('counts refusals by code in /metrics', async () => {
    const metrics = await (await fetch(`${cluster().gatewayUrl}/metrics`)).text();
    for (const code of ['signature_missing', 'key_unknown', 'digest_mismatch', 'signature_expired', 'signature_replayed', 'signature_invalid']) {
      expect(metrics).toMatch(new RegExp(`gateway_auth_failures_total\\{code="${code}"\\} [1-9]`));
    }
    // The event loop's lag is sampled (every 100 ms: libs/platform/src/health.ts) and reported.
    const p99 = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(metrics);
    expect(Number(p99?.[1])).toBeGreaterThan(0);
  });
});

describe('keys: several per participant, rotation and revocation', () => {
  it('rotates: add a key, move to it, revoke the old one', async () => {
    const bank = await bankWithKey(['USD']);
    const admin = adminClient();
    const next = generateEd25519KeyPair();
    const added = await admin.addKey(bank.id, { keyId: `${bank.id}-2026`, publicKey: base64UrlEncode(next.publicKey) });
    expect(added).toMatchObject({ keyId: `${bank.id}-2026`, participant: bank.id, revokedAt: null });
    const rotated = new NostroClient({ baseUrl: cluster().gatewayUrl, participantId: bank.id, keyId: `${bank.id}-2026`, seed: next.seed });
    await expect(rotated.getAccounts()).resolves.toMatchObject({ data: [{ currency: 'USD', balance: '0.00' }] });
    await expect(bank.client.getAccounts()).resolves.toBeDefined(); // both keys work during the rotation
    await admin.revokeKey(bank.id, bank.id);
    await expect(bank.client.getAccounts()).rejects.toMatchObject({ status: 401, code: 'key_unknown' });
    await expect(rotated.getAccounts()).resolves.toBeDefined();
    const keys = await admin.listKeys(bank.id);
    expect(keys.data.map((k) => [k.keyId, k.revokedAt === null])).toEqual([
      [bank.id, false],
      [`${bank.id}-2026`, true],
    ]);
  });

  it('refuses a key id that is taken, by any participant', async () => {
    const a = await bankWithKey(['USD']);
    const b = await bankWithKey(['USD']);
    const key = base64UrlEncode(generateEd25519KeyPair().publicKey);
    await expect(adminClient().addKey(b.id, { keyId: a.id, publicKey: key })).rejects.toMatchObject({ status: 409, code: 'key_exists' });
  });

  it('refuses keys that break the strict rules: small order, non-canonical, not base64url', async () => {
    const admin = adminClient();
    const bank = await bankWithKey(['USD']);
    const smallOrder = base64UrlEncode(Uint8Array.from([1, ...new Array<number>(31).fill(0)])); // the identity point
    const nonCanonical = base64UrlEncode(Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f])); // y = p
    for (const publicKey of [smallOrder, nonCanonical]) {
      await expect(admin.addKey(bank.id, { keyId: `${bank.id}-bad`, publicKey })).rejects.toMatchObject({
        status: 400,
        code: 'validation_failed',
        problem: { errors: [expect.objectContaining({ path: 'publicKey' })] },
      });
      await expect(admin.createParticipant({ id: `X${bank.id.slice(1)}`, name: 'x', currencies: ['USD'], publicKey })).rejects.toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
    }
    await expect(admin.addKey(bank.id, { keyId: `${bank.id}-bad`, publicKey: 'not a key' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('suspension', () => {
  // The resumed bank's quote needs EUR at the FX desk; other suites fund it too, but this one may run first.
  beforeAll(() => fundFxDesk('EUR', '1000.00'));

  it('refuses a suspended participant’s writes with participant_suspended, lets it read, and resumes', async () => {
    const bank = await bankWithKey(['USD'], { deposits: { USD: '10.00' } });
    const creditor = await bankWithKey(['EUR']);
    const admin = adminClient();
    const suspended = await admin.suspend(bank.id);
    expect(suspended).toMatchObject({ id: bank.id, status: 'suspended' });
    await expect(
      bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id }),
    ).rejects.toMatchObject({
      status: 422,
      code: 'participant_suspended',
    });
    await expect(bank.client.getAccounts()).resolves.toBeDefined();
    await expect(bank.client.listPayments()).resolves.toMatchObject({ data: [] });
    // Nobody can quote a payment to it either.
    const other = await bankWithKey(['USD']);
    const toSuspended = await adminClient().suspend(creditor.id);
    expect(toSuspended.status).toBe('suspended');
    await expect(
      other.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id }),
    ).rejects.toMatchObject({
      status: 422,
      code: 'participant_suspended',
    });
    await admin.resume(creditor.id);
    const resumed = await admin.resume(bank.id);
    expect(resumed).toMatchObject({ status: 'active' });
    await expect(
      bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id }),
    ).resolves.toMatchObject({ sourceCurrency: 'USD' });
  });

  it('tells settlement through a participant.config message with suspended: true, then false', async () => {
    const bank = await bankWithKey(['USD']);
    await adminClient().suspend(bank.id);
    await adminClient().resume(bank.id);
    const payloads = await withDb(
      'gateway',
      async (db) =>
        (
          await db.query<{ kind: string; payload: { kind: string; suspended?: boolean } }>(
            'SELECT kind, payload FROM admin_requests WHERE participant = $1 ORDER BY created_at',
            [bank.id],
          )
        ).rows,
    );
    expect(payloads.map((p) => [p.kind, p.payload.kind, p.payload.suspended])).toEqual([
      ['participant', 'participant.config', undefined],
      ['suspend', 'participant.config', true],
      ['resume', 'participant.config', false],
    ]);
  });
});
