import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { adminClient } from '../support/cluster';
import { RawAnswer, bankWithKey, raw, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;
type Signer = { keyId: string; seed: Uint8Array };

const newKey = () => {
  const pair = generateEd25519KeyPair();
  return { seed: pair.seed, publicKey: base64UrlEncode(pair.publicKey) };
};

/** `POST /v1/keys/participant`, signed by `by`. */
const addKey = (by: Signer, key: { keyId: string; publicKey: string }, idempotencyKey?: string) =>
  signed({ method: 'POST', path: '/v1/keys/participant', body: JSON.stringify(key), keyId: by.keyId, seed: by.seed, idempotencyKey });

/** `DELETE /v1/keys/participant/{keyId}`, signed by `by`. */
const revokeKey = (by: Signer, keyId: string) =>
  signed({ method: 'DELETE', path: `/v1/keys/participant/${encodeURIComponent(keyId)}`, keyId: by.keyId, seed: by.seed });

/** A signed read: 200 while the key works, 401 key_unknown once it does not. */
const accounts = (by: Signer) => signed({ path: '/v1/accounts', keyId: by.keyId, seed: by.seed });

const problem = (a: RawAnswer) => ({ status: a.status, code: a.body.code });
const first = (bank: Bank): Signer => ({ keyId: bank.id, seed: bank.seed });

describe('bank-managed keys: a bank rotates its own signing keys, never losing the last one', () => {
  it('adds a second key signed with the first, signs with it, revokes the first with it: the first is 401 key_unknown at once', async () => {
    const bank = await bankWithKey(['USD']);
    const k2 = { keyId: `${bank.id}-2026`, ...newKey() };
    const added = await addKey(first(bank), { keyId: k2.keyId, publicKey: k2.publicKey }, `rotate-${bank.id}`);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ keyId: k2.keyId, participant: bank.id, publicKey: k2.publicKey, createdAt: expect.any(String), revokedAt: null });
    // The same request under the same Idempotency-Key gets the stored answer, and adds nothing.
    const again = await addKey(first(bank), { keyId: k2.keyId, publicKey: k2.publicKey }, `rotate-${bank.id}`);
    expect({ status: again.status, body: again.body, replayed: again.headers.get('idempotent-replayed') }).toEqual({
      status: 201,
      body: added.body,
      replayed: 'true',
    });

    const second: Signer = { keyId: k2.keyId, seed: k2.seed };
    expect((await accounts(second)).status).toBe(200);
    expect((await accounts(first(bank))).status).toBe(200); // both work until the old one is revoked

    expect((await revokeKey(second, bank.id)).status).toBe(204);
    expect(problem(await accounts(first(bank)))).toEqual({ status: 401, code: 'key_unknown' });
    expect((await accounts(second)).status).toBe(200);
    // The operator sees the same history.
    const keys = await adminClient().listKeys(bank.id);
    expect(keys.data.map((k) => [k.keyId, k.revokedAt === null])).toEqual([
      [bank.id, false],
      [k2.keyId, true],
    ]);
  });

  it('refuses to revoke the last active key (409 last_key), and lets a bank revoke the key that signs the request', async () => {
    const bank = await bankWithKey(['USD']);
    const last = await revokeKey(first(bank), bank.id);
    expect(problem(last)).toEqual({ status: 409, code: 'last_key' });
    expect(last.headers.get('content-type')).toContain('application/problem+json');
    expect((await accounts(first(bank))).status).toBe(200); // still works

    const k2 = { keyId: `${bank.id}-b`, ...newKey() };
    expect((await addKey(first(bank), { keyId: k2.keyId, publicKey: k2.publicKey })).status).toBe(201);
    // Signed with the key it revokes: allowed while another one remains.
    expect((await revokeKey(first(bank), bank.id)).status).toBe(204);
    expect(problem(await accounts(first(bank)))).toEqual({ status: 401, code: 'key_unknown' });
    // Now k2 is the last one.
    expect(problem(await revokeKey({ keyId: k2.keyId, seed: k2.seed }, k2.keyId))).toEqual({ status: 409, code: 'last_key' });
    expect((await accounts({ keyId: k2.keyId, seed: k2.seed })).status).toBe(200);
  });

  it('answers 404 for another bank’s key, an unknown key and a revoked one, and leaves the other bank’s key alone', async () => {
    const bank = await bankWithKey(['USD']);
    const other = await bankWithKey(['EUR']);
    const k2 = { keyId: `${other.id}-x`, ...newKey() };
    expect((await addKey(first(other), { keyId: k2.keyId, publicKey: k2.publicKey })).status).toBe(201);
    // `other` has two keys, so only ownership can stop this.
    expect(problem(await revokeKey(first(bank), other.id))).toEqual({ status: 404, code: 'not_found' });
    expect(problem(await revokeKey(first(bank), k2.keyId))).toEqual({ status: 404, code: 'not_found' });
    expect((await accounts(first(other))).status).toBe(200);
    expect(problem(await revokeKey(first(bank), `${bank.id}-nope`))).toEqual({ status: 404, code: 'not_found' });
    expect(problem(await revokeKey(first(bank), 'not a key id'))).toEqual({ status: 404, code: 'not_found' });
    expect((await revokeKey(first(other), k2.keyId)).status).toBe(204);
    expect(problem(await revokeKey(first(other), k2.keyId))).toEqual({ status: 404, code: 'not_found' }); // already revoked
  });

  it('applies the operator route’s key rules: public key in use elsewhere, taken or reserved key id, weak key, unknown field', async () => {
    const bank = await bankWithKey(['USD']);
    const other = await bankWithKey(['EUR']);
    const inUse = await addKey(first(bank), { keyId: `${bank.id}-dup`, publicKey: other.publicKey });
    expect(problem(inUse)).toEqual({ status: 409, code: 'public_key_in_use' });
    expect(inUse.body.errors).toEqual([{ path: 'publicKey', message: 'already registered' }]);
    expect(problem(await addKey(first(bank), { keyId: other.id, publicKey: newKey().publicKey }))).toEqual({ status: 409, code: 'key_exists' });
    expect(problem(await addKey(first(bank), { keyId: 'NOSTRO', publicKey: newKey().publicKey }))).toEqual({ status: 409, code: 'key_id_reserved' });
    const identity = base64UrlEncode(Uint8Array.from([1, ...new Array<number>(31).fill(0)])); // a small-order point
    expect(problem(await addKey(first(bank), { keyId: `${bank.id}-weak`, publicKey: identity }))).toEqual({ status: 400, code: 'validation_failed' });
    const extra = await signed({
      method: 'POST',
      path: '/v1/keys/participant',
      body: JSON.stringify({ keyId: `${bank.id}-x`, publicKey: newKey().publicKey, participant: other.id }),
      keyId: bank.id,
      seed: bank.seed,
    });
    expect(problem(extra)).toEqual({ status: 400, code: 'validation_failed' });
    // Nothing was added by any of these.
    expect((await adminClient().listKeys(bank.id)).data.map((k) => k.keyId)).toEqual([bank.id]);
  });

  it('refuses unsigned requests (401 signature_missing) and a key signed by nobody (401 key_unknown)', async () => {
    const bank = await bankWithKey(['USD']);
    const body = JSON.stringify({ keyId: `${bank.id}-u`, publicKey: newKey().publicKey });
    expect(problem(await raw({ method: 'POST', path: '/v1/keys/participant', body, headers: { 'content-type': 'application/json' } }))).toEqual({
      status: 401,
      code: 'signature_missing',
    });
    expect(problem(await raw({ method: 'DELETE', path: `/v1/keys/participant/${bank.id}` }))).toEqual({ status: 401, code: 'signature_missing' });
    const stranger = { keyId: `${bank.id}-stranger`, seed: newKey().seed };
    expect(problem(await addKey(stranger, { keyId: `${bank.id}-v`, publicKey: newKey().publicKey }))).toEqual({ status: 401, code: 'key_unknown' });
    expect((await adminClient().listKeys(bank.id)).data.map((k) => k.keyId)).toEqual([bank.id]);
  });
});
