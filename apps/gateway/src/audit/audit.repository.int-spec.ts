/**
 * The operator audit log on a fresh gateway database (real Postgres): the database chains every entry and refuses to
 * change or delete one, whoever asks (the end-to-end tests read it through GET /v1/admin/audit).
 */
import { TestDatabase } from '@nostro/platform';
import { AuditRepository } from './audit.repository';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

describe('AuditRepository: ops_audit_log, append-only and hash-chained', () => {
  let db: TestDatabase;
  let repo: AuditRepository;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwaudit');
    repo = new AuditRepository(db.pool);
    // Denied sign-ins: the only entries without an operator (the schema's CHECK), so no operator row is needed.
    for (const correlationId of ['first', 'second'])
      await repo.append({ operator: null, action: 'session.sign_in', target: null, outcome: 'denied', httpStatus: 401, detail: {}, correlationId });
  }, 60_000);

  afterAll(() => db.drop());

  it('chains each entry to the one before, and pages newest first', async () => {
    const [second, first] = await repo.page(10);
    expect([second.correlation_id, first.correlation_id]).toEqual(['second', 'first']);
    expect([first.seq, second.seq]).toEqual(['1', '2']);
    expect(first.prev_hash).toBe('0'.repeat(64));
    expect(second.prev_hash).toBe(first.hash);
  });

  it('refuses to change or delete an entry, or all of them', async () => {
    await expect(db.pool.query(`UPDATE ops_audit_log SET outcome = 'ok' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`UPDATE ops_audit_log SET outcome = 'ok'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM ops_audit_log WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM ops_audit_log`)).rejects.toThrow(/append-only/);
    expect((await repo.page(10)).map((e) => e.outcome)).toEqual(['denied', 'denied']);
  });
});
