/**
 * A bank's own key changes on a fresh gateway database (real Postgres): whatever runs at once, a participant keeps at
 * least one active key and never exceeds the bound.
 */
import { TestDatabase, withTransaction } from '@nostro/platform';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { ParticipantsRepository } from './participants.repository';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

const publicKey = () => base64UrlEncode(generateEd25519KeyPair().publicKey);

describe('ParticipantsRepository: keys a bank manages itself', () => {
  let db: TestDatabase;
  let repo: ParticipantsRepository;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwkeys');
    repo = new ParticipantsRepository(db.pool);
  }, 60_000);

  afterAll(() => db.drop());

  async function participant(id: string, extraKeys: number): Promise<string[]> {
    await withTransaction(db.pool, (tx) => repo.insert(tx, { id, name: id, currencies: ['USD'], publicKey: publicKey() }));
    const ids = [id];
    for (let i = 1; i <= extraKeys; i++) {
      await withTransaction(db.pool, (tx) => repo.addKey(tx, id, `${id}-k${i}`, publicKey()));
      ids.push(`${id}-k${i}`);
    }
    return ids;
  }

  const active = async (id: string) => (await repo.keys(id)).filter((k) => k.revoked_at === null).map((k) => k.key_id);

  it('revokes any key but the last one; another participant’s key or a revoked one is not found', async () => {
    const [first, second] = await participant('KEYBANK1', 1);
    await participant('KEYBANK2', 0);
    expect(await withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK1', 'KEYBANK2'))).toBe('not_found');
    expect(await withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK1', 'nope'))).toBe('not_found');
    expect(await withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK1', first))).toBe('revoked');
    expect(await withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK1', first))).toBe('not_found');
    expect(await withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK1', second))).toBe('last_key');
    expect(await active('KEYBANK1')).toEqual([second]);
  });

  it('leaves one active key when every key is revoked at once', async () => {
    const keys = await participant('KEYBANK3', 4);
    const outcomes = await Promise.all(keys.map((k) => withTransaction(db.pool, (tx) => repo.revokeKeyKeepingOne(tx, 'KEYBANK3', k))));
    expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'last_key')).toHaveLength(1);
    expect(await active('KEYBANK3')).toHaveLength(1);
  });

  it('never exceeds the bound on active keys, however many are added at once', async () => {
    await participant('KEYBANK4', 0);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => withTransaction(db.pool, (tx) => repo.addKeyWithin(tx, 'KEYBANK4', `KEYBANK4-n${i}`, publicKey(), 3))),
    );
    expect(outcomes.filter((o) => o === 'too_many')).toHaveLength(4);
    expect(await active('KEYBANK4')).toHaveLength(3);
  });
});
