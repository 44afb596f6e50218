import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { randomUUID } from 'node:crypto';
import { adminClient, eventually, uniqueParticipantId } from '../support/cluster';
import { raw, startGateway, type GatewayProcess, type RawAnswer } from './support/gateway';

/** How long a held call waits on the strict gateway: short, so the expiry test waits little. */
const TTL_MS = 6_000;

describe('dual control: a second, different admin approves money and access (DUAL_CONTROL=on)', () => {
  let strict: GatewayProcess;
  let alice: string;
  let bob: string;
  let viewer: string;
  const bank = uniqueParticipantId();

  beforeAll(async () => {
    const admin = adminClient();
    alice = (await admin.createOperator({ name: `alice-${bank}`, role: 'admin' })).token;
    bob = (await admin.createOperator({ name: `bob-${bank}`, role: 'admin' })).token;
    viewer = (await admin.createOperator({ name: `vera-${bank}`, role: 'viewer' })).token;
    await admin.createParticipant({ id: bank, name: 'Dual control bank', currencies: ['USD'], publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) });
    strict = await startGateway({ DUAL_CONTROL: 'on', APPROVAL_TTL_MS: String(TTL_MS) }, 46);
  });

  afterAll(() => strict?.stop());

  const call = (token: string, method: string, path: string, body?: unknown, key: string | undefined = randomUUID()): Promise<RawAnswer> =>
    raw({
      baseUrl: strict.url,
      method,
      path,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
    });

  it('holds a deposit, refuses the requester’s own approval, and runs it on a second admin’s, answered as the deposit itself', async () => {
    const key = randomUUID();
    const deposit = { currency: 'USD', amount: '250.00', reference: 'four eyes' };
    const held = await call(alice, 'POST', `/v1/admin/participants/${bank}/deposits`, deposit, key);
    expect(held).toMatchObject({ status: 202, body: { status: 'PENDING_APPROVAL', action: 'admin.participants.deposits.post' } });
    const requestId = String(held.body.requestId);
    // The same key and call: the same request, not a second one.
    expect((await call(alice, 'POST', `/v1/admin/participants/${bank}/deposits`, deposit, key)).body.requestId).toBe(requestId);
    const pending = await call(bob, 'GET', '/v1/admin/requests?status=PENDING_APPROVAL&limit=1000', undefined, undefined);
    expect((pending.body.data as { requestId: string }[]).map((r) => r.requestId)).toContain(requestId);
    expect(await call(alice, 'POST', `/v1/admin/requests/${requestId}/approve`, {})).toMatchObject({ status: 403, body: { code: 'four_eyes_required' } });
    expect(await call(viewer, 'POST', `/v1/admin/requests/${requestId}/approve`, {})).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const approved = await call(bob, 'POST', `/v1/admin/requests/${requestId}/approve`, { comment: 'checked the SWIFT confirmation' });
    // A new bank's balance after the one deposit: the held call had moved nothing before the approval ran it.
    expect(approved).toMatchObject({ status: 201, body: { type: 'deposit', amount: '250.00', balance: '250.00', status: 'SETTLED' } });
    expect(await call(bob, 'POST', `/v1/admin/requests/${requestId}/approve`, {})).toMatchObject({ status: 409, body: { code: 'request_not_pending' } });
    const record = await call(bob, 'GET', `/v1/admin/requests/${requestId}`, undefined, undefined);
    expect(record.body).toMatchObject({ status: 'APPROVED', comment: 'checked the SWIFT confirmation', result: { status: 201 } });
    expect((record.body.requestedBy as { name: string }).name).toBe(`alice-${bank}`);
    expect((record.body.decidedBy as { name: string }).name).toBe(`bob-${bank}`);
    // The audit shows the deposit under the operator who asked for it, and the approval under the one who gave it.
    const audit = (await call(bob, 'GET', '/v1/admin/audit?limit=50', undefined, undefined)).body.data as {
      action: string;
      target: string;
      outcome: string;
      operator: { name: string } | null;
    }[];
    const ran = audit.find((e) => e.action === 'admin.participants.deposits.post' && e.target === bank && e.outcome === 'ok');
    expect(ran?.operator?.name).toBe(`alice-${bank}`);
    expect(audit.find((e) => e.action === 'admin.requests.approve.post' && e.target === requestId)?.operator?.name).toBe(`bob-${bank}`);
  });

  it('a rejected request never runs (operator creation), and keys and limits are held too', async () => {
    const created = await call(alice, 'POST', '/v1/admin/operators', { name: `mallory-${bank}`, role: 'admin' });
    expect(created).toMatchObject({ status: 202, body: { status: 'PENDING_APPROVAL', action: 'admin.operators.post' } });
    const rejected = await call(bob, 'POST', `/v1/admin/requests/${String(created.body.requestId)}/reject`, { comment: 'not on the list' });
    expect(rejected).toMatchObject({ status: 200, body: { status: 'REJECTED' } });
    const operators = await call(bob, 'GET', '/v1/admin/operators', undefined, undefined);
    expect(JSON.stringify(operators.body)).not.toContain(`mallory-${bank}`);
    const key = await call(alice, 'POST', `/v1/admin/participants/${bank}/keys`, {
      keyId: `${bank}K2`.slice(0, 11),
      publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey),
    });
    expect(key.body).toMatchObject({ status: 'PENDING_APPROVAL', action: 'admin.participants.keys.post' });
    const limits = await call(alice, 'PUT', `/v1/admin/participants/${bank}/limits`, { currency: 'USD', netDebitCap: '1000000.00', holdAbove: null });
    expect(limits.body).toMatchObject({ status: 'PENDING_APPROVAL', action: 'admin.participants.limits.put' });
    // Reads and calls outside the list are not held.
    expect((await call(alice, 'POST', `/v1/admin/participants/${bank}/suspend`, {})).status).not.toBe(202);
    await call(alice, 'POST', `/v1/admin/participants/${bank}/resume`, {});
  });

  it('a request nobody decided expires', async () => {
    const held = await call(alice, 'POST', `/v1/admin/participants/${bank}/withdrawals`, { currency: 'USD', amount: '1.00', reference: 'late' });
    const id = String(held.body.requestId);
    const expired = await eventually(
      () => call(bob, 'GET', `/v1/admin/requests/${id}`, undefined, undefined),
      (r) => r.body.status === 'EXPIRED',
      TTL_MS + 20_000,
    );
    expect(expired.body.status).toBe('EXPIRED');
    expect(await call(bob, 'POST', `/v1/admin/requests/${id}/approve`, {})).toMatchObject({ status: 409, body: { code: 'request_not_pending' } });
  });
});
