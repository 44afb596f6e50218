import { Pool, PoolClient } from '@nostro/platform';
import { AccountEntry, EntryKind, LedgerLeaf } from '@nostro/shared';

/** An entry as served to the gateway: minor units and heights as strings and numbers. */
export interface EntryRow {
  account: string;
  height: number;
  idx: number;
  leg: number;
  tx_id: string;
  uetr: string | null;
  return_id: string | null;
  kind: EntryKind;
  amount: string;
  balance_after: string;
  counterparty: string | null;
  block_time: number;
}

/** Where a page of entries starts after: the last entry of the previous page. */
export interface EntryPosition {
  height: number;
  idx: number;
  leg: number;
}

/** SQL of the account entries (entry indexer and reads). */
export class EntriesRepository {
  constructor(private readonly pool: Pool) {}

  async indexedHeight(db: Pool | PoolClient = this.pool): Promise<number> {
    const { rows } = await db.query<{ height: string }>('SELECT height::text FROM entry_index');
    return Number(rows[0]?.height ?? 0);
  }

  async balances(): Promise<Map<string, bigint>> {
    const { rows } = await this.pool.query<{ account: string; balance: string }>('SELECT account, balance::text FROM entry_balances');
    return new Map(rows.map((r) => [r.account, BigInt(r.balance)]));
  }

  /** Final blocks above `after` up to `upTo`, at most `limit`, with their leaves (parsed) and block time. */
  async finalBlocks(after: number, upTo: number, limit: number): Promise<{ height: number; blockTime: number; leaves: LedgerLeaf[] }[]> {
    const { rows } = await this.pool.query<{ height: string; block_time: string; leaves: string }>(
      // Ordered by the table's bigint column (b.height), never by the text output column of the same name: text order
      // (1, 10, 11, 2…) cut batches out of order and indexed a block twice.
      'SELECT b.height::text AS height, b.block_time::text AS block_time, b.leaves FROM blocks b WHERE b.height > $1 AND b.height <= $2 ORDER BY b.height LIMIT $3',
      [after, upTo, limit],
    );
    return rows.map((r) => ({ height: Number(r.height), blockTime: Number(r.block_time), leaves: JSON.parse(r.leaves) as LedgerLeaf[] }));
  }

  /**
   * Stores the entries of blocks `(from, to]` and the balances they leave, and moves the index to `to`, in one
   * statement (atomic without a transaction of its own: one round trip); a concurrent or repeated run that finds the
   * index moved changes nothing and answers false.
   */
  async store(from: number, to: number, entries: readonly AccountEntry[], balances: ReadonlyMap<string, bigint>): Promise<boolean> {
    const col = <T>(pick: (e: AccountEntry) => T) => entries.map(pick);
    const moved = [...new Set(entries.map((e) => e.account))];
    const { rows } = await this.pool.query<{ moved: boolean }>(
      `WITH moved AS (UPDATE entry_index SET height = $2 WHERE height = $1 RETURNING 1),
       added AS (
         INSERT INTO account_entries (account, height, idx, leg, tx_id, uetr, return_id, kind, amount, balance_after, counterparty, block_time)
         SELECT * FROM unnest($3::text[], $4::bigint[], $5::int[], $6::smallint[], $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::numeric[],
                              $12::numeric[], $13::text[], $14::bigint[])
          WHERE EXISTS (SELECT 1 FROM moved)),
       balanced AS (
         INSERT INTO entry_balances (account, balance) SELECT * FROM unnest($15::text[], $16::numeric[]) WHERE EXISTS (SELECT 1 FROM moved)
         ON CONFLICT (account) DO UPDATE SET balance = EXCLUDED.balance)
       SELECT EXISTS (SELECT 1 FROM moved) AS moved`,
      [
        from,
        to,
        col((e) => e.account),
        col((e) => e.height),
        col((e) => e.idx),
        col((e) => e.leg),
        col((e) => e.txId),
        col((e) => e.uetr ?? null),
        col((e) => e.returnId ?? null),
        col((e) => e.kind),
        col((e) => e.amount.toString()),
        col((e) => e.balanceAfter.toString()),
        col((e) => e.counterparty ?? null),
        col((e) => e.blockTime),
        moved,
        moved.map((a) => (balances.get(a) as bigint).toString()),
      ],
    );
    return rows[0].moved;
  }

  /** One page of an account's entries in block order, within heights [from, to], after `after`. */
  async page(account: string, q: { fromHeight: number; toHeight: number; after?: EntryPosition; limit: number }): Promise<EntryRow[]> {
    const { rows } = await this.pool.query<Omit<EntryRow, 'height' | 'block_time'> & { height: string; block_time: string }>(
      // Ordered by the table's columns (e.height), not the text output column of the same name.
      `SELECT e.account, e.height::text AS height, e.idx, e.leg, e.tx_id, e.uetr::text AS uetr, e.return_id::text AS return_id, e.kind,
              e.amount::text AS amount, e.balance_after::text AS balance_after, e.counterparty, e.block_time::text AS block_time
         FROM account_entries e
        WHERE e.account = $1 AND e.height >= $2 AND e.height <= $3 AND (e.height, e.idx, e.leg) > ($4::bigint, $5::int, $6::smallint)
        ORDER BY e.height, e.idx, e.leg LIMIT $7`,
      [account, q.fromHeight, q.toHeight, q.after?.height ?? 0, q.after?.idx ?? -1, q.after?.leg ?? -1, q.limit],
    );
    return rows.map((r) => ({ ...r, height: Number(r.height), block_time: Number(r.block_time) }));
  }

  /** The account's balance after every entry up to and including height `height` (0 before its first entry). */
  async balanceAt(account: string, height: number): Promise<string> {
    const { rows } = await this.pool.query<{ balance: string }>(
      `SELECT balance_after::text AS balance FROM account_entries WHERE account = $1 AND height <= $2 ORDER BY height DESC, idx DESC, leg DESC LIMIT 1`,
      [account, height],
    );
    return rows[0]?.balance ?? '0';
  }

  /** Heights of the blocks whose broker time falls in [fromMs, toMs), up to `upTo`; null when there are none. */
  async heightsBetween(fromMs: number, toMs: number, upTo: number): Promise<{ from: number; to: number } | null> {
    const { rows } = await this.pool.query<{ lo: string | null; hi: string | null }>(
      'SELECT min(height)::text AS lo, max(height)::text AS hi FROM blocks WHERE block_time >= $1 AND block_time < $2 AND height <= $3',
      [fromMs, toMs, upTo],
    );
    return rows[0].lo === null ? null : { from: Number(rows[0].lo), to: Number(rows[0].hi) };
  }

  /** Broker time of a block (Unix ms), or null. */
  async blockTime(height: number): Promise<number | null> {
    const { rows } = await this.pool.query<{ t: string }>('SELECT block_time::text AS t FROM blocks WHERE height = $1', [height]);
    return rows[0] ? Number(rows[0].t) : null;
  }

  /** The query plan of a page read (for the scale test: an index scan, never a sequential scan). */
  async explainPage(account: string): Promise<string> {
    const { rows } = await this.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM account_entries WHERE account = $1 AND height >= 1 AND height <= 1000000000 AND (height, idx, leg) > (0, -1, -1)
        ORDER BY height, idx, leg LIMIT 100`,
      [account],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }
}
