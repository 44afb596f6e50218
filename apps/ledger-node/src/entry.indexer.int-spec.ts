import path from 'node:path';
import { PLATFORM_MIGRATIONS_DIR, TestDatabase, createLogger, eventually, freshTestDatabase } from '@nostro/platform';
import { LedgerLeaf, blockEntries, buildTransferPostings } from '@nostro/shared';
import { EntriesRepository } from './entries.repository';
import { EntryIndexer } from './entry.indexer';
import { LedgerRepository } from './ledger.repository';

const HASH = (height: number) => height.toString(16).padStart(64, '0');
const deposit = (id: string, bank: string, amount: bigint): LedgerLeaf => ({
  id,
  kind: 'transfer',
  postings: buildTransferPostings('deposit', bank, 'USD', amount),
  outcome: { status: 'accepted' },
});
const withdrawal = (id: string, bank: string, amount: bigint): LedgerLeaf => ({
  id,
  kind: 'transfer',
  postings: buildTransferPostings('withdrawal', bank, 'USD', amount),
  outcome: { status: 'accepted' },
});

/**
 * The entry indexer against a real validator database: blocks and finality rows written as the validator writes them,
 * the indexer's entries compared with the pure `blockEntries` over the same blocks.
 */
describe('EntryIndexer', () => {
  const log = createLogger('ledger-test', 'silent');
  let db: TestDatabase;
  let entries: EntriesRepository;
  let ledger: LedgerRepository;
  const chain: { height: number; blockTime: number; leaves: LedgerLeaf[] }[] = [];

  beforeAll(async () => {
    db = await freshTestDatabase('ledgerentries', [PLATFORM_MIGRATIONS_DIR, path.join(__dirname, '..', 'migrations')], log);
    entries = new EntriesRepository(db.pool);
    ledger = new LedgerRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Stores block `height` with these leaves and, when `final`, its finality row. */
  async function block(leaves: LedgerLeaf[], final = true): Promise<number> {
    const height = chain.length + 1;
    const blockTime = 1_000 * height;
    await db.pool.query(
      `INSERT INTO blocks (height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time, last_offset, leaves)
       VALUES ($1, $2, $3, $2, $2, $4, $5, $1, $6)`,
      [height, HASH(height), HASH(height - 1), leaves.length, blockTime, JSON.stringify(leaves)],
    );
    if (final) await db.pool.query(`INSERT INTO finality (height, hash, signatures) VALUES ($1, $2, '[]')`, [height, HASH(height)]);
    chain.push({ height, blockTime, leaves });
    return height;
  }

  async function stored(): Promise<{ entries: string[]; balances: Record<string, string>; indexed: number }> {
    const { rows } = await db.pool.query<{ e: string }>(
      `SELECT concat_ws(' ', account, height, idx, leg, kind, amount, balance_after, counterparty) AS e FROM account_entries ORDER BY height, idx, leg`,
    );
    const { rows: balances } = await db.pool.query<{ account: string; balance: string }>('SELECT account, balance::text FROM entry_balances');
    return {
      entries: rows.map((r) => r.e),
      balances: Object.fromEntries(balances.map((b) => [b.account, b.balance])),
      indexed: await entries.indexedHeight(),
    };
  }

  /** What the indexer must have stored for the chain's blocks up to `height`. */
  function expected(height: number): { entries: string[]; balances: Record<string, string>; indexed: number } {
    const balances = new Map<string, bigint>();
    const made = chain.filter((b) => b.height <= height).flatMap((b) => blockEntries(b, balances));
    return {
      entries: made
        .sort((a, b) => a.height - b.height || a.idx - b.idx || a.leg - b.leg)
        .map((e) => [e.account, e.height, e.idx, e.leg, e.kind, e.amount, e.balanceAfter, e.counterparty].join(' ')),
      balances: Object.fromEntries([...balances].map(([a, b]) => [a, b.toString()])),
      indexed: height,
    };
  }

  it('indexes the final blocks, not the others, and only once', async () => {
    await block([deposit('d1', 'BANKA', 10_000n), deposit('d2', 'BANKB', 500n)]);
    await block([withdrawal('w1', 'BANKA', 2_500n)]);
    await block([deposit('d3', 'BANKA', 1n)], false);
    const indexer = new EntryIndexer(entries, ledger, log);
    expect(await indexer.catchUp()).toBe(2);
    expect(await stored()).toEqual(expected(2));
    expect((await stored()).balances).toEqual({ 'BANKA:USD': '7500', 'BANKB:USD': '500' });
    // Nothing new is final: a second run writes nothing.
    expect(await indexer.catchUp()).toBe(2);
    expect(await stored()).toEqual(expected(2));
  });

  it('moves nothing when another writer moved the index first (one statement: all or nothing)', async () => {
    const balances = new Map([['BANKA:USD', 1n]]);
    const entry = blockEntries(chain[2], new Map(balances));
    expect(await entries.store(1, 3, entry, balances)).toBe(false);
    expect(await stored()).toEqual(expected(2));
  });

  it('a wake-up naming the final height indexes up to it without reading it; the poll reads it', async () => {
    const indexer = new EntryIndexer(entries, ledger, log);
    await indexer.catchUp(); // reads the index and the balances once
    const finalHeight = jest.spyOn(ledger, 'finalHeight');
    await db.pool.query(`INSERT INTO finality (height, hash, signatures) VALUES (3, $1, '[]')`, [HASH(3)]);
    const h4 = await block([deposit('d4', 'BANKC', 42n), withdrawal('w2', 'BANKB', 100n)]);
    indexer.wake(h4);
    await eventually(
      () => entries.indexedHeight(),
      (h) => h === h4,
      10_000,
      10,
    );
    expect(finalHeight).not.toHaveBeenCalled();
    expect(await stored()).toEqual(expected(h4));

    const h5 = await block([deposit('d5', 'BANKA', 7n)]);
    indexer.wake(); // as the poll does: no height named
    await eventually(
      () => entries.indexedHeight(),
      (h) => h === h5,
      10_000,
      10,
    );
    expect(finalHeight).toHaveBeenCalledTimes(1);
    expect(await stored()).toEqual(expected(h5));
    await indexer.stop();
  });

  it('after another writer moved the index it reloads what that writer stored and goes on from there', async () => {
    const indexer = new EntryIndexer(entries, ledger, log);
    await indexer.catchUp();
    const other = new EntryIndexer(entries, ledger, log);
    const h6 = await block([deposit('d6', 'BANKB', 3n)]);
    expect(await other.catchUp()).toBe(h6);
    const h7 = await block([withdrawal('w3', 'BANKA', 7n)]);
    // The first indexer still believes the index is at 5: its store is refused, then it reloads and indexes 7.
    expect(await indexer.catchUp()).toBe(h7);
    expect(await stored()).toEqual(expected(h7));
    await Promise.all([indexer.stop(), other.stop()]);
  });
});
