/**
 * Operator tokens at rest, on a fresh gateway database (real Postgres): shown once, stored only as their SHA-256
 * (the end-to-end tests check what the API shows).
 */
import { TestDatabase } from '@nostro/platform';
import { sha256Hex } from '@nostro/shared';
import { AdminService } from '../admin/admin.service';
import { OperatorsRepository } from './operators.repository';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

describe('operator tokens: shown once, stored as their SHA-256 only', () => {
  let db: TestDatabase;
  let operators: OperatorsRepository;
  let admin: AdminService;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwoperators');
    operators = new OperatorsRepository(db.pool);
    // Creating an operator needs only the operators' repository.
    const unused = {} as never;
    admin = new AdminService(unused, db.pool, unused, operators, unused, unused, unused, unused, unused, unused, unused, unused);
  }, 60_000);

  afterAll(() => db.drop());

  it('stores the hash of the token it shows, never the token, and a retry’s stored answer has no token', async () => {
    const created = await admin.createOperator({ name: 'hashing check', role: 'viewer' });
    const { id, token } = created.body as { id: string; token: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query('SELECT * FROM operators WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(token);
    expect(rows[0].token_hash).toBe(sha256Hex(token));
    expect(await operators.byTokenHash(sha256Hex(token))).toMatchObject({ id, role: 'viewer' });
    expect(created.replayBody).toMatchObject({ id, token: null });
  });
});
