import { NostroAdminClient, OperatorRole } from '@nostro/client';
import { randomUUID } from 'node:crypto';
import { adminClient, cluster } from '../support/cluster';
import { bankWithKey, raw } from './support/gateway';

const asOperator = (token: string) => new NostroAdminClient({ baseUrl: cluster().gatewayUrl, token });

async function operator(role: OperatorRole) {
  const created = await adminClient().createOperator({ name: `test ${role} ${randomUUID().slice(0, 6)}`, role });
  if (created.token === null) throw new Error('no token in a fresh answer');
  return { ...created, client: asOperator(created.token) };
}

describe('operators: hashed tokens, roles enforced per endpoint', () => {
  // What is stored (the SHA-256 only): apps/gateway/src/operators/operators.int-spec.ts.
  it('shows a token once: the listing shows none', async () => {
    const created = await adminClient().createOperator({ name: 'hashing check', role: 'viewer' });
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await adminClient().listOperators();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.data.find((o) => o.id === created.id)).toMatchObject({ role: 'viewer', revokedAt: null });
  });

  it('lets a viewer read but not change anything', async () => {
    const viewer = await operator('viewer');
    const bank = await bankWithKey(['USD']);
    await expect(viewer.client.listParticipants()).resolves.toMatchObject({ data: expect.any(Array) });
    await expect(viewer.client.getParticipant(bank.id)).resolves.toMatchObject({ id: bank.id, keys: [expect.objectContaining({ keyId: bank.id })] });
    await expect(viewer.client.webhookEndpoints()).resolves.toBeDefined();
    await expect(viewer.client.screeningHits()).resolves.toBeDefined();
    const forbidden = { status: 403, code: 'forbidden' };
    await expect(viewer.client.createOperator({ name: 'x', role: 'admin' })).rejects.toMatchObject(forbidden);
    await expect(viewer.client.suspend(bank.id)).rejects.toMatchObject(forbidden);
    await expect(viewer.client.deposit(bank.id, { currency: 'USD', amount: '1.00', reference: 'r' })).rejects.toMatchObject(forbidden);
    await expect(viewer.client.setScreeningLimits(bank.id, { currency: 'USD', maxAmount: '1.00', velocity: null })).rejects.toMatchObject(forbidden);
    await expect(viewer.client.addKey(bank.id, { keyId: 'x', publicKey: 'y' })).rejects.toMatchObject(forbidden);
    await expect(viewer.client.listOperators()).rejects.toMatchObject(forbidden);
  });

  it('lets an approver read but not change limits, operators, participants or funds', async () => {
    const approver = await operator('approver');
    const bank = await bankWithKey(['USD']);
    await expect(approver.client.listParticipants()).resolves.toMatchObject({ data: expect.any(Array) });
    const forbidden = { status: 403, code: 'forbidden' };
    // Limits extend credit (a net debit cap) or lift a risk limit (null): the admin's, not the approver's.
    await expect(approver.client.setScreeningLimits(bank.id, { currency: 'USD', maxAmount: null, velocity: null })).rejects.toMatchObject(forbidden);
    await expect(approver.client.setLimits(bank.id, { currency: 'USD', netDebitCap: '1000000.00', holdAbove: null })).rejects.toMatchObject(forbidden);
    await expect(approver.client.createOperator({ name: 'x', role: 'viewer' })).rejects.toMatchObject(forbidden);
    await expect(approver.client.createParticipant({ id: 'APPROVR1', name: 'x', currencies: ['USD'], publicKey: bank.publicKey })).rejects.toMatchObject(
      forbidden,
    );
    await expect(approver.client.deposit(bank.id, { currency: 'USD', amount: '1.00', reference: 'r' })).rejects.toMatchObject(forbidden);
    await expect(approver.client.reloadSanctionsList()).rejects.toMatchObject(forbidden);
  });

  it('refuses a revoked token at once, and unknown or malformed tokens', async () => {
    const viewer = await operator('viewer');
    await expect(viewer.client.listParticipants()).resolves.toBeDefined();
    await adminClient().revokeOperator(viewer.id);
    await expect(viewer.client.listParticipants()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(adminClient().revokeOperator(viewer.id)).rejects.toMatchObject({ status: 404 });
    const noToken = await raw({ path: '/v1/admin/participants' });
    expect({ status: noToken.status, code: noToken.body.code }).toEqual({ status: 401, code: 'unauthorized' });
    const basic = await raw({ path: '/v1/admin/participants', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    // A bank signature is not an operator credential.
    const bank = await bankWithKey(['USD']);
    await expect(bank.client.getAccounts()).resolves.toBeDefined();
    expect((await raw({ path: '/v1/admin/participants', headers: { authorization: `Bearer ${'x'.repeat(43)}` } })).status).toBe(401);
  });

  it('registers, updates, suspends and resumes participants; refuses duplicates and system ids', async () => {
    const admin = adminClient();
    const bank = await bankWithKey(['USD', 'EUR']);
    await expect(admin.createParticipant({ id: bank.id, name: 'again', currencies: ['USD'], publicKey: bank.publicKey })).rejects.toMatchObject({
      status: 409,
      code: 'participant_exists',
    });
    await expect(admin.createParticipant({ id: 'FXDESK', name: 'nope', currencies: ['USD'], publicKey: bank.publicKey })).rejects.toMatchObject({
      status: 409,
      code: 'participant_exists',
    });
    const updated = await admin.updateParticipant(bank.id, { webhookUrl: 'https://bank.example/hooks', name: 'Renamed bank' });
    expect(updated).toMatchObject({
      id: bank.id,
      name: 'Renamed bank',
      webhookUrl: 'https://bank.example/hooks',
      currencies: ['USD', 'EUR'],
      status: 'active',
    });
    expect(await admin.updateParticipant(bank.id, { webhookUrl: null })).toMatchObject({ webhookUrl: null });
    await expect(admin.updateParticipant(bank.id, { webhookUrl: 'ftp://x' })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(admin.getParticipant('NOBODY77')).rejects.toMatchObject({ status: 404 });
  });

  // That the stored answer holds no token: apps/gateway/src/operators/operators.int-spec.ts.
  it('honours an Idempotency-Key on operator POSTs: the replay answers the token null', async () => {
    const key = randomUUID();
    const headers = { authorization: `Bearer ${cluster().adminToken}`, 'content-type': 'application/json', 'idempotency-key': key };
    const body = JSON.stringify({ name: 'idempotent operator', role: 'viewer' });
    const first = await raw({ method: 'POST', path: '/v1/admin/operators', body, headers });
    const again = await raw({ method: 'POST', path: '/v1/admin/operators', body, headers });
    expect(first.status).toBe(201);
    const token = (first.body as { token: string }).token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ ...(first.body as object), token: null });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
