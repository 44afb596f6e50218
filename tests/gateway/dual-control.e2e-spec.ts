import { NostroAdminClient, NostroApiError, isPendingApproval, type TransferResult } from '@nostro/client';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSecondAdmin } from '../../scripts/lib/second-admin';
import { adminClient, cluster, eventually, newOperatorToken, uniqueParticipantId } from '../support/cluster';
import { nostro } from './support/cli';
import { raw, startGateway, type GatewayProcess, type RawAnswer } from './support/gateway';

/**
 * How long a held call waits on the strict gateway. Long enough for the CLI test's requests to outlive four CLI runs
 * on a loaded 2-core machine (6 s did not: one expired under the crash tests' load); the expiry test's request is made
 * in beforeAll, so it ages while the other tests run.
 */
const TTL_MS = 20_000;

describe('dual control: a second, different admin approves money and access (DUAL_CONTROL=on)', () => {
  let strict: GatewayProcess;
  let alice: string;
  let bob: string;
  let viewer: string;
  /** A held call nobody decides (the expiry test), made first. */
  let late: string;
  const bank = uniqueParticipantId();

  beforeAll(async () => {
    const admin = adminClient();
    alice = await newOperatorToken(`alice-${bank}`, 'admin');
    bob = await newOperatorToken(`bob-${bank}`, 'admin');
    viewer = await newOperatorToken(`vera-${bank}`, 'viewer');
    await admin.createParticipant({ id: bank, name: 'Dual control bank', currencies: ['USD'], publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) });
    strict = await startGateway({ DUAL_CONTROL: 'on', APPROVAL_TTL_MS: String(TTL_MS) }, 46);
    late = String(
      (await call(alice, 'POST', `/v1/admin/participants/${bank}/withdrawals`, { currency: 'USD', amount: '1.00', reference: 'late' })).body.requestId,
    );
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
    // Erasing customer data too: held, and run (as alice asked it) only on bob's approval.
    const erase = await call(alice, 'POST', `/v1/admin/participants/${bank}/erase-customer-data`, {});
    expect(erase).toMatchObject({ status: 202, body: { status: 'PENDING_APPROVAL', action: 'admin.participants.erase-customer-data.post' } });
    const erased = await call(bob, 'POST', `/v1/admin/requests/${String(erase.body.requestId)}/approve`, {});
    expect(erased).toMatchObject({ status: 200, body: { participant: bank, erased: 0 } });
    // Reads and calls outside the list are not held.
    expect((await call(alice, 'POST', `/v1/admin/participants/${bank}/suspend`, {})).status).not.toBe(202);
    await call(alice, 'POST', `/v1/admin/participants/${bank}/resume`, {});
  });

  describe('through the SDK and the CLI', () => {
    const sdk = (token: string) => new NostroAdminClient({ baseUrl: strict.url, token });
    let dir: string;
    const tokenFile = (name: string, token: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, token, { mode: 0o600 });
      return file;
    };

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-dual-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('the SDK tells a held deposit from a result, lists it, and a second admin approves it into the deposit’s result', async () => {
      const held = await sdk(alice).deposit(bank, { currency: 'USD', amount: '10.00', reference: 'sdk four eyes' });
      if (!isPendingApproval(held)) throw new Error(`not held: ${JSON.stringify(held)}`);
      expect(held).toMatchObject({ status: 'PENDING_APPROVAL', action: 'admin.participants.deposits.post' });
      const pending = await sdk(bob).requests({ status: 'PENDING_APPROVAL', limit: 1000 });
      expect(pending.data.find((r) => r.requestId === held.requestId)).toMatchObject({ body: { amount: '10.00' }, requestedBy: { name: `alice-${bank}` } });
      const own = await sdk(alice)
        .approveRequest(held.requestId)
        .catch((e: unknown) => e);
      expect(own).toBeInstanceOf(NostroApiError);
      expect(own).toMatchObject({ status: 403, code: 'four_eyes_required' });
      const result = await sdk(bob).approveRequest<TransferResult>(held.requestId, 'sdk approval');
      expect(result).toMatchObject({ type: 'deposit', amount: '10.00', currency: 'USD', status: 'SETTLED' });
      expect(await sdk(alice).getRequest(held.requestId)).toMatchObject({ status: 'APPROVED', comment: 'sdk approval', result: { status: 201 } });
      const limits = await sdk(alice).setLimits(bank, { currency: 'USD', netDebitCap: '5.00', holdAbove: null });
      if (!isPendingApproval(limits)) throw new Error('limits not held');
      expect(await sdk(bob).rejectRequest(limits.requestId, 'no credit for this bank')).toMatchObject({
        status: 'REJECTED',
        comment: 'no credit for this bank',
      });
    });

    it('nostro admin lists, refuses the requester four eyes (exit 1), approves and rejects with comments', async () => {
      const env = { NOSTRO_URL: strict.url, NOSTRO_TOKEN_FILE: tokenFile('bob-token', bob) };
      const withdrawal = await call(alice, 'POST', `/v1/admin/participants/${bank}/withdrawals`, {
        currency: 'USD',
        amount: '1.00',
        reference: 'cli four eyes',
      });
      const limits = await call(alice, 'PUT', `/v1/admin/participants/${bank}/limits`, { currency: 'USD', netDebitCap: '0.00', holdAbove: '500.00' });
      const [w, l] = [String(withdrawal.body.requestId), String(limits.body.requestId)];

      const listed = await nostro(['admin', 'requests', '--limit', '1000'], env);
      expect(listed.code).toBe(0);
      const ids = (JSON.parse(listed.stdout) as { data: { requestId: string; status: string }[] }).data.map((r) => r.requestId);
      expect(ids).toEqual(expect.arrayContaining([w, l]));

      const own = await nostro(['admin', '--token-file', tokenFile('alice-token', alice), 'approve', w], { NOSTRO_URL: strict.url });
      expect({ code: own.code, stdout: own.stdout, problem: JSON.parse(own.stderr) as unknown }).toMatchObject({
        code: 1,
        stdout: '',
        problem: { status: 403, code: 'four_eyes_required' },
      });

      const approved = await nostro(['admin', 'approve', w, '--comment', 'customer instruction on file'], env);
      expect({ code: approved.code, stderr: approved.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(approved.stdout)).toMatchObject({ type: 'withdrawal', amount: '1.00', status: 'SETTLED' });
      const rejected = await nostro(['admin', 'reject', l, '--comment', 'the hold threshold stays'], env);
      expect(rejected.code).toBe(0);
      expect(JSON.parse(rejected.stdout)).toMatchObject({ requestId: l, status: 'REJECTED', comment: 'the hold threshold stays' });

      const decided = await nostro(['admin', 'requests', w], env);
      expect(JSON.parse(decided.stdout)).toMatchObject({ status: 'APPROVED', decidedBy: { name: `bob-${bank}` }, result: { status: 201 } });
      const again = await nostro(['admin', 'approve', w], env);
      expect({ code: again.code, problem: JSON.parse(again.stderr) as unknown }).toMatchObject({
        code: 1,
        problem: { status: 409, code: 'request_not_pending' },
      });
    });
  });

  it('keeps no token of an approved operator creation with the request: the approver sees it once, a viewer never', async () => {
    const held = await call(alice, 'POST', '/v1/admin/operators', { name: `olga-${bank}`, role: 'viewer' });
    const id = String(held.body.requestId);
    const approved = await call(bob, 'POST', `/v1/admin/requests/${id}/approve`, {});
    expect(approved).toMatchObject({ status: 201, body: { name: `olga-${bank}`, role: 'viewer' } });
    const token = String(approved.body.token);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The new operator's token works…
    expect((await call(token, 'GET', '/v1/admin/requests?limit=1', undefined, undefined)).status).toBe(200);
    // …and nobody reads it from the request afterwards: not the requester, not a viewer, not the list.
    for (const reader of [alice, viewer]) {
      const record = await call(reader, 'GET', `/v1/admin/requests/${id}`, undefined, undefined);
      expect(record.body).toMatchObject({ status: 'APPROVED', result: { status: 201, body: { name: `olga-${bank}`, role: 'viewer' } } });
      expect(record.text).not.toContain(token);
    }
    expect((await call(viewer, 'GET', '/v1/admin/requests?status=APPROVED&limit=1000', undefined, undefined)).text).not.toContain(token);
  });

  it('the local stack’s second admin (scripts/lib/second-admin.ts) approves what the bootstrap admin asks for', async () => {
    const second = randomBytes(32).toString('base64url');
    const database = `${cluster().dbPrefix}_gateway`;
    expect(await ensureSecondAdmin(database, second)).toBe('created');
    expect(await ensureSecondAdmin(database, second)).toBe('exists');
    // The bootstrap admin (the stack's .nostro/admin-token) asks; the second admin (.nostro/admin2-token) approves.
    const held = await call(cluster().adminToken, 'POST', `/v1/admin/participants/${bank}/deposits`, { currency: 'USD', amount: '2.00', reference: 'stack' });
    expect(held).toMatchObject({ status: 202, body: { status: 'PENDING_APPROVAL' } });
    const approved = await call(second, 'POST', `/v1/admin/requests/${String(held.body.requestId)}/approve`, {});
    expect(approved).toMatchObject({ status: 201, body: { type: 'deposit', status: 'SETTLED' } });
    // A revoked second admin stays revoked: the stack says so rather than bringing it back.
    const decided = await call(cluster().adminToken, 'GET', `/v1/admin/requests/${String(held.body.requestId)}`, undefined, undefined);
    const id = (decided.body.decidedBy as { id: string }).id;
    expect((await call(bob, 'DELETE', `/v1/admin/operators/${id}`, undefined, undefined)).status).toBe(204);
    expect(await ensureSecondAdmin(database, second)).toBe('revoked');
    expect((await call(second, 'GET', '/v1/admin/requests?limit=1', undefined, undefined)).status).toBe(401);
  });
  it('a request nobody decided expires', async () => {
    const expired = await eventually(
      () => call(bob, 'GET', `/v1/admin/requests/${late}`, undefined, undefined),
      (r) => r.body.status === 'EXPIRED',
      TTL_MS + 20_000,
    );
    expect(expired.body.status).toBe('EXPIRED');
    expect(await call(bob, 'POST', `/v1/admin/requests/${late}/approve`, {})).toMatchObject({ status: 409, body: { code: 'request_not_pending' } });
  });
});
