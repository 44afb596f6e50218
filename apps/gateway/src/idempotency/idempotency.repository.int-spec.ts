/**
 * Idempotency keys on a real Postgres: claimed concurrently (group commit puts many in one statement) and completed
 * many in one statement, as single payments recorded together are.
 */
import { TestDatabase, withTransaction } from '@nostro/platform';
import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyRepository } from './idempotency.repository';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

/** A request's fingerprint as the service computes it (64 hex digits). */
const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('IdempotencyRepository', () => {
  let db: TestDatabase;
  let repo: IdempotencyRepository;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwidem');
    repo = new IdempotencyRepository(db.pool);
  }, 60_000);

  afterAll(() => db.drop());

  it('lets exactly one of many concurrent claims of a key through, each distinct key once, scoped per participant', async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const same = await Promise.all(ids.map((id) => repo.claim('BANKA', 'k-1', hashOf('k-1'), id, 30)));
    expect(same.filter(Boolean)).toHaveLength(1);
    const { rows } = await db.pool.query<{ resource_id: string }>(`SELECT resource_id FROM idempotency_keys WHERE idempotency_key = 'k-1'`);
    // The claim that says it won is the one whose reserved id was stored.
    expect(rows.map((r) => r.resource_id)).toEqual([ids[same.indexOf(true)]]);
    const distinct = await Promise.all(
      Array.from({ length: 50 }, (_, i) => repo.claim(i % 2 ? 'BANKA' : 'BANKB', `k-${i + 2}`, hashOf('k'), randomUUID(), 30)),
    );
    expect(distinct.every(Boolean)).toBe(true);
    expect(await repo.claim('BANKB', 'k-1', hashOf('k'), randomUUID(), 30)).toBe(true);
    expect(await repo.claim('BANKA', 'k-1', hashOf('k'), randomUUID(), 30)).toBe(false);
  });

  it('stores many answers in one statement, each under its own key and no other', async () => {
    for (const key of ['a-1', 'a-2', 'a-3']) await repo.claim('BANKC', key, hashOf(key), randomUUID(), 30);
    await withTransaction(db.pool, (tx) =>
      repo.completeMany(tx, [
        { scope: 'BANKC', key: 'a-1', status: 202, body: { uetr: 'one', amount: '1.00', nested: { quote: 'it\'s "quoted"' } } },
        { scope: 'BANKC', key: 'a-3', status: 422, body: { code: 'validation_failed' } },
        { scope: 'BANKD', key: 'a-2', status: 202, body: { uetr: 'not this bank' } },
      ]),
    );
    expect(await repo.find('BANKC', 'a-1')).toEqual({
      request_hash: hashOf('a-1'),
      state: 'done',
      response_status: 202,
      response_body: { uetr: 'one', amount: '1.00', nested: { quote: 'it\'s "quoted"' } },
    });
    expect(await repo.find('BANKC', 'a-2')).toEqual({ request_hash: hashOf('a-2'), state: 'in_progress', response_status: null, response_body: null });
    expect(await repo.find('BANKC', 'a-3')).toMatchObject({ state: 'done', response_status: 422, response_body: { code: 'validation_failed' } });
    expect(await repo.find('BANKD', 'a-2')).toBeNull();
  });
});
