import { NostroAdminClient, OperatorRole } from '@nostro/client';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { adminClient, cluster, newOperatorToken, uniqueParticipantId } from '../support/cluster';
import { RawAnswer, bankWithKey, raw, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

const asOperator = (token: string) => new NostroAdminClient({ baseUrl: cluster().gatewayUrl, token });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const uuid = '0b7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b10';

function expectProblem(answer: RawAnswer, status: number, code: string) {
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
}

/** Regression tests of the adversarial pass (issue 25): each failed on the code before its fix. */
describe('hardening: forged input never reaches the database, keys and roles hold', () => {
  let bank: Bank;
  const admin = () => ({ authorization: `Bearer ${cluster().adminToken}` });
  const get = (path: string) => signed({ path, keyId: bank.id, seed: bank.seed });

  beforeAll(async () => {
    bank = await bankWithKey(['USD']);
    await bankWithKey(['EUR']); // so that a one-item page of participants has a next page
  });

  describe('list cursors', () => {
    // The old cursors were unsigned base64url JSON; these reached Postgres and answered 500.
    const forged = [
      b64(['10000-01-01T00:00:00.000Z', uuid]),
      b64(['-000001-01-01T00:00:00.000Z', uuid]),
      b64(['2026-01-01T00:00:00.000Z\u0001', uuid]),
      b64(['2026-02-30T00:00:00.000000Z', uuid]),
      `${b64(['2026-01-01T00:00:00.000000Z', uuid])}.AAAAAAAAAAAAAAAAAAAAAA`,
    ];

    it.each(['/v1/payments', '/v1/incoming-payments'])('%s answers a forged cursor 400, not 500', async (path) => {
      for (const cursor of forged) expectProblem(await get(`${path}?cursor=${encodeURIComponent(cursor)}`), 400, 'validation_failed');
    });

    it.each(['/v1/admin/payments', '/v1/admin/participants', '/v1/admin/screening/hits', '/v1/admin/webhooks/deliveries'])(
      '%s answers a forged cursor 400, not 500',
      async (path) => {
        for (const cursor of forged)
          expectProblem(await raw({ path: `${path}?cursor=${encodeURIComponent(cursor)}`, headers: admin() }), 400, 'validation_failed');
      },
    );

    it('refuses a cursor issued for one list on another', async () => {
      const page = await raw({ path: '/v1/admin/participants?limit=1', headers: admin() });
      const cursor = page.body.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      expect((await raw({ path: `/v1/admin/participants?limit=1&cursor=${cursor}`, headers: admin() })).status).toBe(200);
      expectProblem(await raw({ path: `/v1/admin/payments?cursor=${cursor}`, headers: admin() }), 400, 'validation_failed');
    });

    it('refuses timestamps Postgres cannot hold, and limits written other than in plain digits', async () => {
      expectProblem(await get('/v1/payments?since=0000-01-01T00:00:00Z'), 400, 'validation_failed');
      expectProblem(await raw({ path: '/v1/admin/payments?since=9999-12-31T23:59:59-12:00', headers: admin() }), 400, 'validation_failed');
      for (const limit of ['1e3', '0x10', '5.0', ' 5', '-1', '0', '1001'])
        expectProblem(await get(`/v1/payments?limit=${encodeURIComponent(limit)}`), 400, 'validation_failed');
      expect((await get('/v1/payments?limit=1000')).status).toBe(200);
    });
  });

  describe('participant keys', () => {
    it('gives a public key to one participant only, on every path that adds keys, revoked keys included', async () => {
      const other = await bankWithKey(['USD']);
      const taken = { status: 409, code: 'public_key_in_use' };
      await expect(adminClient().addKey(other.id, { keyId: `${other.id}-b`, publicKey: bank.publicKey })).rejects.toMatchObject(taken);
      await expect(
        adminClient().createParticipant({ id: uniqueParticipantId(), name: 'Copycat', currencies: ['USD'], publicKey: bank.publicKey }),
      ).rejects.toMatchObject(taken);
      // A key revoked at one participant cannot move to another either.
      const spare = base64UrlEncode(generateEd25519KeyPair().publicKey);
      await adminClient().addKey(bank.id, { keyId: `${bank.id}-spare`, publicKey: spare });
      await adminClient().revokeKey(bank.id, `${bank.id}-spare`);
      await expect(adminClient().addKey(other.id, { keyId: `${other.id}-spare`, publicKey: spare })).rejects.toMatchObject(taken);
      expect((await adminClient().listKeys(other.id)).data.map((k) => k.keyId)).toEqual([other.id]);
    });

    it('rolls a registration back whole when its key id is taken (no participant without a key)', async () => {
      const id = uniqueParticipantId();
      await adminClient().addKey(bank.id, { keyId: id, publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) });
      await expect(
        adminClient().createParticipant({ id, name: 'Late', currencies: ['USD'], publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) }),
      ).rejects.toMatchObject({ status: 409, code: 'key_exists' });
      await expect(adminClient().getParticipant(id)).rejects.toMatchObject({ status: 404 });
    });

    it('reserves the network key id and the validators’ ids, in any case', async () => {
      for (const keyId of ['nostro', 'NOSTRO', 'v0', 'V2']) {
        await expect(adminClient().addKey(bank.id, { keyId, publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) })).rejects.toMatchObject({
          status: 409,
          code: 'key_id_reserved',
        });
      }
    });
  });

  describe('registration and transfers', () => {
    it('refuses a currency named twice', async () => {
      const answer = await raw({
        method: 'POST',
        path: '/v1/admin/participants',
        headers: { ...admin(), 'content-type': 'application/json' },
        body: JSON.stringify({
          id: uniqueParticipantId(),
          name: 'Twice',
          currencies: ['USD', 'USD'],
          publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey),
        }),
      });
      expectProblem(answer, 400, 'validation_failed');
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'currencies' })]);
    });

    it('bounds a deposit by the configured maximum per currency', async () => {
      await expect(adminClient().deposit(bank.id, { currency: 'USD', amount: '1000000000000.00', reference: 'too much' })).rejects.toMatchObject({
        status: 422,
        code: 'limit_exceeded',
      });
      const { data } = await bank.client.getAccounts();
      expect(data.find((a) => a.currency === 'USD')?.balance).toBe('0.00');
    });
  });

  describe('every error is a problem document', () => {
    it('answers a path parameter over the router’s limit with 414 uri_too_long', async () => {
      expectProblem(await get(`/v1/payments/${'a'.repeat(200)}`), 414, 'uri_too_long');
      expectProblem(await raw({ path: `/v1/admin/participants/${'A'.repeat(200)}`, headers: admin() }), 414, 'uri_too_long');
    });

    it('answers oversized headers with 431 headers_too_large', async () => {
      const answer = await rawHttp(`GET /v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
      expect(answer.head).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer.head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: 'headers_too_large' });
    });

    // The gateway refused a body declared over 1 MiB before reading it and closed the connection with the rest unread,
    // so the kernel reset it: a client still writing the body saw EPIPE or ECONNRESET, not the answer (a chaos run
    // caught it with fetch).
    it('answers a body declared over 1 MiB after reading it, so that a client still sending sees the answer', async () => {
      const headers = { ...admin(), 'content-type': 'application/json' };
      const answer = await postSlowly('/v1/admin/operators', headers, 1024 * 1024 + 512 * 1024);
      expect({ status: answer.status, sentAll: answer.sentAll, error: answer.error }).toEqual({ status: 413, sentAll: true, error: undefined });
      expect(JSON.parse(answer.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    });

    it('names a __proto__ key rather than calling the body invalid JSON', async () => {
      const answer = await raw({
        method: 'POST',
        path: '/v1/admin/operators',
        headers: { ...admin(), 'content-type': 'application/json' },
        body: '{"name":"x","role":"viewer","__proto__":{"role":"admin"}}',
      });
      expectProblem(answer, 400, 'validation_failed');
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: '__proto__' })]);
      const malformed = await raw({
        method: 'POST',
        path: '/v1/admin/operators',
        headers: { ...admin(), 'content-type': 'application/json' },
        body: '{"name":',
      });
      expectProblem(malformed, 400, 'validation_failed');
      expect(malformed.body.detail).toBe('the body is not valid JSON');
    });

    it('refuses a content-coded body with 415 instead of reading it as plain', async () => {
      const body = JSON.stringify({ name: 'gzip', role: 'viewer' });
      const answer = await raw({
        method: 'POST',
        path: '/v1/admin/operators',
        headers: { ...admin(), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
      expectProblem(answer, 415, 'unsupported_media_type');
      const listed = await adminClient().listOperators();
      expect(listed.data.some((o) => o.name === 'gzip')).toBe(false);
    });
  });

  describe('roles: one table, every operator route', () => {
    const roles: OperatorRole[] = ['viewer', 'approver', 'admin'];
    let tokens: Record<OperatorRole, string>;

    beforeAll(async () => {
      tokens = {} as Record<OperatorRole, string>;
      for (const role of roles) tokens[role] = await newOperatorToken(`matrix ${role} ${randomUUID().slice(0, 6)}`, role);
    });

    it('forbids exactly the roles the OpenAPI document leaves out, on every /v1/admin route', async () => {
      const doc = (await raw({ path: '/v1/openapi.json' })).body as { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };
      const checked: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        if (!path.startsWith('/v1/admin')) continue;
        for (const [method, op] of Object.entries(ops)) {
          expect(op['x-roles']).toEqual(expect.any(Array));
          // Harmless arguments: an unknown participant, a random id, an empty body. An allowed role gets 2xx/4xx, never 403.
          const concrete = path
            .replace(
              '{id}',
              method === 'delete' && path.startsWith('/v1/admin/operators') ? randomUUID() : path.includes('deliveries') ? randomUUID() : 'NOBODY99',
            )
            .replace('{uetr}', randomUUID())
            .replace('{keyId}', 'nokey');
          for (const role of roles) {
            const answer = await raw({
              method: method.toUpperCase(),
              path: concrete,
              headers: { authorization: `Bearer ${tokens[role]}`, ...(method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' }) },
              body: method === 'get' || method === 'delete' ? undefined : '{}',
            });
            const allowed = (op['x-roles'] as string[]).includes(role);
            expect({ route: `${method} ${path}`, role, forbidden: answer.status === 403 }).toEqual({ route: `${method} ${path}`, role, forbidden: !allowed });
            expect(answer.status).toBeLessThan(500);
          }
          checked.push(`${method} ${path}`);
        }
      }
      expect(checked).toEqual(
        expect.arrayContaining([
          'put /v1/admin/participants/{id}/limits',
          'post /v1/admin/payments/{uetr}/decisions',
          'post /v1/admin/participants/{id}/deposits',
        ]),
      );
      const limits = doc.paths['/v1/admin/participants/{id}/limits'].put['x-roles'];
      expect(limits).toEqual(['admin']);
    });

    it('keeps an approver from changing a net debit cap', async () => {
      await expect(asOperator(tokens.approver).setLimits(bank.id, { currency: 'USD', netDebitCap: '1000000.00', holdAbove: null })).rejects.toMatchObject({
        status: 403,
        code: 'forbidden',
      });
    });
  });
});

/** One request written byte for byte on a socket, for what fetch refuses to send (oversized headers). */
interface SlowAnswer {
  status?: number;
  body: string;
  /** Whether every byte of the body was handed to the connection before it closed. */
  sentAll: boolean;
  error?: string;
}

/** POSTs a body of `size` bytes in 64 KiB writes 5 ms apart, as a client on a slow link sends it. */
function postSlowly(path: string, headers: Record<string, string>, size: number): Promise<SlowAnswer> {
  const { port } = new URL(cluster().gatewayUrl);
  return new Promise((resolve) => {
    const answer: SlowAnswer = { body: '', sentAll: false };
    const req = request({ host: '127.0.0.1', port: Number(port), method: 'POST', path, headers: { ...headers, 'content-length': String(size) } });
    req.on('response', (res) => {
      answer.status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (answer.body += chunk));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (answer.error ??= error.code ?? error.message));
    req.on('finish', () => (answer.sentAll = true));
    req.on('close', () => resolve(answer));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    void (async () => {
      for (let sent = 0; sent + chunk.length < size && !req.destroyed; sent += chunk.length) {
        req.write(chunk);
        await new Promise((done) => setTimeout(done, 5));
      }
      if (!req.destroyed) req.end(chunk.subarray(0, size % chunk.length || chunk.length));
    })();
  });
}

function rawHttp(request: string): Promise<{ head: string; body: string }> {
  const { port } = new URL(cluster().gatewayUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const at = data.indexOf('\r\n\r\n');
      resolve({ head: data.slice(0, at), body: data.slice(at + 4) });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}
