import { PLATFORM_MIGRATIONS_DIR, PgListener, TestDatabase, createLogger, eventually, freshTestDatabase, withTransaction } from '@nostro/platform';
import path from 'node:path';
import { LEDGER_FINAL_CHANNEL, LedgerRepository } from './ledger.repository';

/**
 * Final blocks wake the notice publisher and the entry indexer through `NOTIFY ledger_final` (main.ts): Postgres
 * delivers it when the finality transaction commits, never for one rolled back, so they never look for a block that
 * is not final yet, and nothing polls the database several times a second.
 */
describe('NOTIFY ledger_final', () => {
  const log = createLogger('ledger-test', 'silent');
  let db: TestDatabase;
  let listener: PgListener;
  const heard: string[] = [];
  let reconnects = 0;

  beforeAll(async () => {
    db = await freshTestDatabase('ledgernotify', [PLATFORM_MIGRATIONS_DIR, path.join(__dirname, '..', 'migrations')], log);
    listener = new PgListener(db.pool, log);
    await listener.listen(
      LEDGER_FINAL_CHANNEL,
      (payload) => heard.push(payload),
      () => (reconnects += 1),
    );
  });

  afterAll(async () => {
    await listener.close();
    await db.drop();
  });

  /** What the listener heard once it heard `payload` (notifications arrive in commit order), or after 10 s. */
  const heardUpTo = (payload: string) =>
    eventually(
      async () => [...heard],
      (seen) => seen.includes(payload),
      10_000,
      10,
    );

  it('reaches a listener when the finality transaction commits, with the highest final height', async () => {
    const repo = new LedgerRepository(db.pool);
    await withTransaction(db.pool, async (tx) => {
      await repo.notifyFinal(tx, 41);
      // Another transaction commits meanwhile: its notification arrives, this one's not yet.
      await withTransaction(db.pool, (other) => repo.notifyFinal(other, 40));
      expect(await heardUpTo('40')).toEqual(['40']);
    });
    expect(await heardUpTo('41')).toEqual(['40', '41']);
  });

  it('never reaches it for a transaction rolled back', async () => {
    const repo = new LedgerRepository(db.pool);
    heard.length = 0;
    await expect(
      withTransaction(db.pool, async (tx) => {
        await repo.notifyFinal(tx, 42);
        throw new Error('the finality write failed');
      }),
    ).rejects.toThrow('the finality write failed');
    await withTransaction(db.pool, (tx) => repo.notifyFinal(tx, 43));
    expect(await heardUpTo('43')).toEqual(['43']);
    expect(reconnects).toBe(0);
  });
});
