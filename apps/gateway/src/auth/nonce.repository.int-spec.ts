/** Signature nonces on a real Postgres, claimed concurrently (group commit puts many in one statement). */
import { TestDatabase } from '@nostro/platform';
import { NonceRepository } from './nonce.repository';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

describe('NonceRepository.claim', () => {
  let db: TestDatabase;
  let nonces: NonceRepository;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwnonces');
    nonces = new NonceRepository(db.pool);
  }, 60_000);

  afterAll(() => db.drop());

  it('lets exactly one of many concurrent requests with the same key and nonce through, and each distinct one', async () => {
    const same = await Promise.all(Array.from({ length: 20 }, () => nonces.claim('BANKA', 'n-1', 600)));
    expect(same.filter(Boolean)).toHaveLength(1);
    const distinct = await Promise.all(Array.from({ length: 50 }, (_, i) => nonces.claim(i % 2 ? 'BANKA' : 'BANKB', `n-${i + 2}`, 600)));
    expect(distinct.every(Boolean)).toBe(true);
    // The same nonce under another key is another nonce; a used one stays used.
    expect(await nonces.claim('BANKB', 'n-1', 600)).toBe(true);
    expect(await nonces.claim('BANKA', 'n-1', 600)).toBe(false);
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM signature_nonces');
    expect(rows[0].n).toBe('52');
  });
});
