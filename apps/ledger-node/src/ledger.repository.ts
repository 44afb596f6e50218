import { Pool, PoolClient } from '@nostro/platform';
import { AccountState, LedgerLeaf, LedgerSnapshot, SealedBlock } from '@nostro/shared';

export interface ChainTip {
  height: number;
  hash: string | null;
  /** Next stream offset to read, or null when no block was cut yet. */
  nextOffset: bigint | null;
}

export interface StoredBlock {
  height: number;
  hash: string;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
  txCount: number;
  timestamp: number;
}

export interface StoredSignature {
  validator: string;
  hash: string;
  signature: string;
}

interface BlockRow {
  height: bigint;
  hash: string;
  prev_hash: string;
  merkle_root: string;
  state_digest: string;
  tx_count: number;
  block_time: bigint;
}

const toBlock = (r: BlockRow): StoredBlock => ({
  height: Number(r.height),
  hash: r.hash,
  prevHash: r.prev_hash,
  merkleRoot: r.merkle_root,
  stateDigest: r.state_digest,
  txCount: r.tx_count,
  timestamp: Number(r.block_time),
});

/** SQL for one validator's own database, and nothing else. */
export class LedgerRepository {
  constructor(private readonly pool: Pool) {}

  get db(): Pool {
    return this.pool;
  }

  async loadSnapshot(): Promise<LedgerSnapshot> {
    const accounts = await this.pool.query<{ id: string; participant: string; currency: string; balance: string; net_debit_cap: string | null }>(
      'SELECT id, participant, currency, balance::text, net_debit_cap::text FROM accounts',
    );
    const suspended = await this.pool.query<{ participant: string }>('SELECT participant FROM suspended_participants');
    return {
      accounts: accounts.rows.map((r) => ({
        id: r.id,
        participant: r.participant,
        currency: r.currency,
        balance: BigInt(r.balance),
        netDebitCap: r.net_debit_cap === null ? null : BigInt(r.net_debit_cap),
      })),
      suspended: suspended.rows.map((r) => r.participant),
    };
  }

  async loadTip(): Promise<ChainTip> {
    const { rows } = await this.pool.query<{ height: bigint; hash: string; last_offset: bigint }>(
      'SELECT height, hash, last_offset FROM blocks ORDER BY height DESC LIMIT 1',
    );
    if (rows.length === 0) return { height: 0, hash: null, nextOffset: null };
    return { height: Number(rows[0].height), hash: rows[0].hash, nextOffset: rows[0].last_offset + 1n };
  }

  async loadKnownIds(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ tx_id: string }>('SELECT tx_id FROM block_transactions');
    return new Set(rows.map((r) => r.tx_id));
  }

  /** Writes a sealed block, its transactions, postings and changed accounts. Runs inside the caller's transaction. */
  async insertBlock(tx: PoolClient, block: SealedBlock): Promise<void> {
    const h = block.header;
    await tx.query(
      `INSERT INTO blocks (height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time, last_offset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [h.height, block.hash, h.prevHash, h.merkleRoot, h.stateDigest, h.txCount, h.timestamp, block.lastOffset],
    );
    await this.upsertAccounts(tx, block.changedAccounts);
    await tx.query('DELETE FROM suspended_participants');
    if (block.suspended.length > 0) {
      await tx.query('INSERT INTO suspended_participants (participant) SELECT unnest($1::text[])', [block.suspended]);
    }
    await this.insertTransactions(tx, h.height, block.leaves);
  }

  private async upsertAccounts(tx: PoolClient, accounts: AccountState[]): Promise<void> {
    if (accounts.length === 0) return;
    await tx.query(
      `INSERT INTO accounts (id, participant, currency, balance, net_debit_cap)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::numeric[])
       ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance, net_debit_cap = EXCLUDED.net_debit_cap`,
      [
        accounts.map((a) => a.id),
        accounts.map((a) => a.participant),
        accounts.map((a) => a.currency),
        accounts.map((a) => a.balance.toString()),
        accounts.map((a) => (a.netDebitCap === null ? null : a.netDebitCap.toString())),
      ],
    );
  }

  private async insertTransactions(tx: PoolClient, height: number, leaves: LedgerLeaf[]): Promise<void> {
    await tx.query(
      `INSERT INTO block_transactions (height, idx, tx_id, uetr, kind, status, reason, leaf)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
      [
        height,
        leaves.map((_, i) => i),
        leaves.map((l) => l.id),
        leaves.map((l) => l.uetr ?? null),
        leaves.map((l) => l.kind),
        leaves.map((l) => l.outcome.status),
        leaves.map((l) => (l.outcome.status === 'rejected' ? l.outcome.reason : null)),
        leaves.map((l) => JSON.stringify(l)),
      ],
    );
    const postings = leaves.filter((l) => l.outcome.status === 'accepted').flatMap((l) => (l.postings ?? []).map((p) => ({ tx: l.id, ...p })));
    if (postings.length === 0) return;
    await tx.query(
      `INSERT INTO postings (height, tx_id, account, amount)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::numeric[])`,
      [height, postings.map((p) => p.tx), postings.map((p) => p.account), postings.map((p) => p.amount)],
    );
  }

  async insertSignature(tx: PoolClient | Pool, height: number, sig: StoredSignature): Promise<void> {
    await tx.query(
      `INSERT INTO block_signatures (height, validator, hash, signature) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [height, sig.validator, sig.hash, sig.signature],
    );
  }

  async signatures(tx: PoolClient | Pool, height: number): Promise<StoredSignature[]> {
    const { rows } = await tx.query<StoredSignature>(
      'SELECT validator, hash, signature FROM block_signatures WHERE height = $1 ORDER BY validator',
      [height],
    );
    return rows;
  }

  async block(db: PoolClient | Pool, height: number): Promise<StoredBlock | null> {
    const { rows } = await db.query<BlockRow>('SELECT * FROM blocks WHERE height = $1', [height]);
    return rows[0] ? toBlock(rows[0]) : null;
  }

  async isFinal(db: PoolClient | Pool, height: number): Promise<boolean> {
    const { rowCount } = await db.query('SELECT 1 FROM finality WHERE height = $1', [height]);
    return (rowCount ?? 0) > 0;
  }

  async insertFinality(tx: PoolClient, height: number, hash: string, signatures: StoredSignature[]): Promise<boolean> {
    const { rowCount } = await tx.query(
      'INSERT INTO finality (height, hash, signatures) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [height, hash, JSON.stringify(signatures.map(({ validator, signature }) => ({ validator, signature })))],
    );
    return (rowCount ?? 0) > 0;
  }

  async leaves(db: PoolClient | Pool, height: number): Promise<LedgerLeaf[]> {
    const { rows } = await db.query<{ leaf: LedgerLeaf }>('SELECT leaf FROM block_transactions WHERE height = $1 ORDER BY idx', [height]);
    return rows.map((r) => r.leaf);
  }

  async locate(txIdOrUetr: string): Promise<{ height: number; idx: number } | null> {
    const { rows } = await this.pool.query<{ height: bigint; idx: number }>(
      `SELECT height, idx FROM block_transactions WHERE tx_id = $1
       UNION ALL SELECT height, idx FROM block_transactions WHERE uetr::text = $1 AND kind = 'transfer' LIMIT 1`,
      [txIdOrUetr],
    );
    return rows[0] ? { height: Number(rows[0].height), idx: rows[0].idx } : null;
  }

  async finalHeight(): Promise<number> {
    const { rows } = await this.pool.query<{ h: bigint | null }>('SELECT max(height) AS h FROM finality');
    return rows[0].h === null ? 0 : Number(rows[0].h);
  }

  async finality(height: number): Promise<{ hash: string; signatures: { validator: string; signature: string }[] } | null> {
    const { rows } = await this.pool.query<{ hash: string; signatures: { validator: string; signature: string }[] }>(
      'SELECT hash, signatures FROM finality WHERE height = $1',
      [height],
    );
    return rows[0] ?? null;
  }

  /** A participant's balances as of block `height`: current balance minus postings of later blocks. */
  async balancesAt(participant: string, height: number): Promise<{ account: string; currency: string; balance: string; netDebitCap: string | null }[]> {
    const { rows } = await this.pool.query<{ id: string; currency: string; balance: string; net_debit_cap: string | null }>(
      `SELECT a.id, a.currency, (a.balance - COALESCE((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id AND p.height > $2), 0))::text AS balance,
              a.net_debit_cap::text
         FROM accounts a WHERE a.participant = $1 ORDER BY a.currency`,
      [participant, height],
    );
    return rows.map((r) => ({ account: r.id, currency: r.currency, balance: r.balance, netDebitCap: r.net_debit_cap }));
  }
}
