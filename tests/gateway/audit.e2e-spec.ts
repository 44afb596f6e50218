import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { adminClient, cluster, newOperatorToken, repoRoot, uniqueParticipantId, withDb } from '../support/cluster';
import { AuditEntry, auditPage, raw } from './support/gateway';

const admin = (token = cluster().adminToken) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** `npm run nostro-audit -- verify` against this worker's cluster (the same command an auditor runs). */
function cliVerify(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/audit-log.ts', 'verify', '--profile', 'test'],
      { cwd: repoRoot, env: process.env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('the operator audit log: every admin call, hash-chained, append-only, verifiable', () => {
  const participant = uniqueParticipantId();
  let viewerToken: string;

  beforeAll(async () => {
    const client = adminClient();
    viewerToken = await newOperatorToken(`auditor-${participant}`, 'viewer');
    await client.createParticipant({
      id: participant,
      name: 'Audited bank',
      currencies: ['USD'],
      publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey),
    });
    await client.deposit(participant, { currency: 'USD', amount: '12.34', reference: 'audited deposit' });
    // Refused (no such participant), denied (a viewer may not move money; no token at all).
    const deposit = JSON.stringify({ currency: 'USD', amount: '1.00', reference: 'x' });
    await raw({ method: 'POST', path: '/v1/admin/participants/NOSUCH99/deposits', body: deposit, headers: { ...admin(), 'idempotency-key': randomUUID() } });
    await raw({
      method: 'POST',
      path: `/v1/admin/participants/${participant}/deposits`,
      body: deposit,
      headers: { ...admin(viewerToken), 'idempotency-key': randomUUID() },
    });
    await raw({ method: 'POST', path: `/v1/admin/participants/${participant}/deposits`, body: deposit, headers: { 'content-type': 'application/json' } });
  });

  it('records who did what, on what, from where, and how it ended — including refused and denied calls', async () => {
    const entries = (await auditPage()).filter((e) => e.target === participant || e.target === 'NOSUCH99' || e.detail.body?.id === participant);
    const brief = entries.map((e) => [e.action, e.target, e.outcome, e.httpStatus, e.operator?.role ?? null]).reverse();
    expect(brief).toEqual([
      ['admin.participants.post', null, 'ok', 201, 'admin'],
      ['admin.participants.deposits.post', participant, 'ok', 201, 'admin'],
      ['admin.participants.deposits.post', 'NOSUCH99', 'refused', 404, 'admin'],
      ['admin.participants.deposits.post', participant, 'denied', 403, 'viewer'],
      ['admin.participants.deposits.post', participant, 'denied', 401, null],
    ]);
    const deposit = entries.find((e) => e.outcome === 'ok' && e.target === participant) as AuditEntry;
    expect(deposit.detail.body).toMatchObject({ currency: 'USD', amount: '12.34', reference: 'audited deposit' });
    expect(deposit.remoteAddr).toMatch(/127\.0\.0\.1/);
    // Reads are not recorded; the entries link: each names the hash of the one before it.
    expect((await auditPage()).some((e) => e.action.endsWith('.get'))).toBe(false);
    const page = await auditPage(20);
    for (let i = 0; i + 1 < page.length; i++) {
      expect(page[i].seq).toBe(page[i + 1].seq + 1);
      expect(page[i].prevHash).toBe(page[i + 1].hash);
    }
  });

  // The database's refusal to edit or delete an entry: apps/gateway/src/audit/audit.repository.int-spec.ts.
  it('verifies, through the API and with the command', async () => {
    expect((await raw({ path: '/v1/admin/audit/verify', headers: admin() })).body).toMatchObject({ broken: null });
    expect((await raw({ path: '/v1/admin/audit/verify', headers: admin(viewerToken) })).status).toBe(403);
    const cli = await cliVerify();
    expect({ code: cli.code, intact: /audit chain intact: \d+ entries verified/.test(cli.out) }).toEqual({ code: 0, intact: true });
  });

  it('names the first broken entry when someone with database access edits one', async () => {
    const target = (await auditPage()).find((e) => e.outcome === 'ok' && e.target === participant) as AuditEntry;
    const original = await withDb(
      'gateway',
      async (db) => (await db.query<{ detail: string }>('SELECT detail::text FROM ops_audit_log WHERE seq = $1', [target.seq])).rows[0].detail,
    );
    const tamper = (detail: string) =>
      withDb('gateway', async (db) => {
        // What a superuser can do: switch the append-only trigger off for a session.
        await db.query('SET session_replication_role = replica');
        await db.query('UPDATE ops_audit_log SET detail = $2::jsonb WHERE seq = $1', [target.seq, detail]);
      });
    await tamper(JSON.stringify({ body: { currency: 'USD', amount: '99999.00', reference: 'audited deposit' } }));
    try {
      const verdict = (await raw({ path: '/v1/admin/audit/verify', headers: admin() })).body as { broken: { seq: string; reason: string } | null };
      expect(verdict.broken).toMatchObject({ seq: String(target.seq), reason: 'hash_mismatch' });
      const cli = await cliVerify();
      expect(cli.code).toBe(1);
      expect(cli.out).toContain(`BROKEN at entry seq ${target.seq}`);
    } finally {
      await tamper(original);
    }
    expect((await raw({ path: '/v1/admin/audit/verify', headers: admin() })).body).toMatchObject({ broken: null });
  });
});
