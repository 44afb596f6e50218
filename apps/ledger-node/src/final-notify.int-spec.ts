import { PLATFORM_MIGRATIONS_DIR, PgListener, TestDatabase, createLogger, freshTestDatabase, withTransaction } from '@nostro/platform';
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

  /** Resolves once the listener heard `payload` (notifications arrive in commit order). */
  async function heardUpTo(payload: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!heard.includes(payload)) {
      if (Date.now() > deadline) throw new Error(`never heard ${payload}; heard ${heard.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('reaches a listener when the finality transaction commits, with the highest final height', async () => {
    const repo = new LedgerRepository(db.pool);
    await withTransaction(db.pool, async (tx) => {
      await repo.notifyFinal(tx, 41);
      // Another transaction commits meanwhile: its notification arrives, this one's not yet.
      await withTransaction(db.pool, (other) => repo.notifyFinal(other, 40));
      await heardUpTo('40');
      expect(heard).toEqual(['40']);
    });
    await heardUpTo('41');
    expect(heard).toEqual(['40', '41']);
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
    await heardUpTo('43');
    expect(heard).toEqual(['43']);
    expect(reconnects).toBe(0);
  });
});
