import { Pool, PoolClient, withTransaction } from '@nostro/platform';
import { AccountState, BlockQueueRecord, EscrowEntry, LedgerLeaf, LedgerSnapshot, LedgerTransfer, QueueEntry, SealedBlock } from '@nostro/shared';

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

/** What a quorum check needs to know about one height. */
export interface HeightState {
  block: StoredBlock;
  final: boolean;
  signatures: StoredSignature[];
}

/** Lock namespace for per-height quorum checks (first key of pg_advisory_xact_lock(int, int)). */
const QUORUM_LOCK_NAMESPACE = 7_342;
/**
 * NOTIFY channel of this validator's database: blocks became final (the payload is the highest height). Postgres
 * delivers it when the finality transaction commits, never for one rolled back; the notice publisher and the entry
 * indexer listen instead of polling the database several times a second.
 */
export const LEDGER_FINAL_CHANNEL = 'ledger_final';

export interface Halt {
  height: number;
  ownHash: string | null;
  quorumHash: string;
  reason: string;
}

/** A `blocks` row as pg returns it. */
export interface BlockRow {
  height: bigint;
  hash: string;
  prev_hash: string;
  merkle_root: string;
  state_digest: string;
  tx_count: number;
  block_time: bigint;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BLOCK_COLUMNS = 'height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time';

/** A `blocks` row as the header it stores. */
export const toBlock = (r: BlockRow): StoredBlock => ({
  height: Number(r.height),
  hash: r.hash,
  prevHash: r.prev_hash,
  merkleRoot: r.merkle_root,
  stateDigest: r.state_digest,
  txCount: r.tx_count,
  timestamp: Number(r.block_time),
});

type Db = Pool | PoolClient;

/**
 * Writes a block in one statement, so one round trip and one implicit transaction: the block row with its leaves
 * and the offset it ends at, one slim row per transaction, the accounts it opened, the balances it changed, the
 * suspension list when it changed, this validator's signature, and the outbox row that publishes the signature —
 * unless a quorum already signed another hash for this height (a divergence: this validator does not vouch for it).
 * Answers the signatures already stored for the height (as of the statement's snapshot, without its own).
 * The outbox row and the NOTIFY follow libs/platform's outbox (table `outbox`, channel `outbox`).
 */
const INSERT_BLOCK_SQL = `
WITH blk AS (
  INSERT INTO blocks (height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time, last_offset, leaves, queue)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $31::jsonb)
), queue_in AS (
  INSERT INTO liquidity_queue (seq, account, tx_id, tx, arrived_at, queue_for_ms, expires_at, queued_height)
  SELECT q.seq, q.account, q.tx_id, q.tx::jsonb, q.arrived_at, q.queue_for_ms, q.expires_at, $1
    FROM unnest($32::bigint[], $33::text[], $34::text[], $35::text[], $36::bigint[], $37::int[], $38::bigint[])
      AS q(seq, account, tx_id, tx, arrived_at, queue_for_ms, expires_at)
), queue_out AS (
  DELETE FROM liquidity_queue WHERE seq = ANY($39::bigint[])
), escrow_in AS (
  INSERT INTO escrows (tx_id, tx, expires_at, reserved_height)
  SELECT e.tx_id, e.tx::jsonb, e.expires_at, e.height FROM unnest($41::text[], $42::text[], $43::bigint[], $44::bigint[]) AS e(tx_id, tx, expires_at, height)
), escrow_out AS (
  DELETE FROM escrows WHERE tx_id = ANY($45::text[])
), queue_seq AS (
  INSERT INTO liquidity_queue_seq (singleton, next_seq) SELECT true, $40::bigint WHERE $40::bigint IS NOT NULL
  ON CONFLICT (singleton) DO UPDATE SET next_seq = EXCLUDED.next_seq
), txs AS (
  INSERT INTO block_transactions (height, idx, tx_id, uetr, kind, status, reason)
  SELECT $1, * FROM unnest($10::int[], $11::text[], $12::uuid[], $13::text[], $14::text[], $15::text[])
), opened AS (
  INSERT INTO accounts (id, participant, currency, balance, net_debit_cap)
  SELECT * FROM unnest($16::text[], $17::text[], $18::text[], $19::numeric[], $20::numeric[])
), moved AS (
  UPDATE accounts a SET balance = d.balance, net_debit_cap = d.cap
    FROM unnest($21::text[], $22::numeric[], $23::numeric[]) AS d(id, balance, cap)
   WHERE a.id = d.id
), resumed AS (
  DELETE FROM suspended_participants WHERE $24::boolean AND NOT (participant = ANY($25::text[]))
), suspended AS (
  INSERT INTO suspended_participants (participant) SELECT p FROM unnest($25::text[]) AS p WHERE $24::boolean ON CONFLICT DO NOTHING
), signed AS (
  INSERT INTO block_signatures (height, validator, hash, signature) VALUES ($1, $26, $2, $27) ON CONFLICT DO NOTHING
), rival AS (
  SELECT hash FROM block_signatures WHERE height = $1 AND hash <> $2 GROUP BY hash HAVING count(*) >= $28
), published AS (
  INSERT INTO outbox (topic, message_key, payload) SELECT $29, $1::text, $30::jsonb WHERE NOT EXISTS (SELECT 1 FROM rival)
)
SELECT (SELECT pg_notify('outbox', '')) AS notified,
       (SELECT coalesce(json_agg(json_build_object('validator', validator, 'hash', hash, 'signature', signature)), '[]'::json)
          FROM block_signatures WHERE height = $1) AS signatures`;

/** This validator's signature of a block, and where to publish it. */
export interface OwnSignature {
  validator: string;
  signature: string;
  topic: string;
  payload: unknown;
  quorum: number;
}

/** An `accounts` row as pg returns it (numerics as text), and as the state machine holds it. */
interface AccountRow {
  id: string;
  participant: string;
  currency: string;
  balance: string;
  net_debit_cap: string | null;
}
const ACCOUNT_COLUMNS = 'id, participant, currency, balance::text, net_debit_cap::text';
const toAccount = (r: AccountRow): AccountState => ({
  id: r.id,
  participant: r.participant,
  currency: r.currency.trim(),
  balance: BigInt(r.balance),
  netDebitCap: r.net_debit_cap === null ? null : BigInt(r.net_debit_cap),
});

/** A `liquidity_queue` row as pg returns it, and as the liquidity queue holds it. */
interface QueueRow {
  seq: string;
  account: string;
  tx: LedgerTransfer;
  arrived_at: string;
  queue_for_ms: number;
  expires_at: string;
}
const QUEUE_COLUMNS = 'seq::text, account, tx, arrived_at::text, queue_for_ms, expires_at::text';
const toQueueEntry = (r: QueueRow): QueueEntry => ({
  tx: r.tx,
  account: r.account,
  seq: Number(r.seq),
  arrivedAt: Number(r.arrived_at),
  queueForMs: r.queue_for_ms,
  expiresAt: Number(r.expires_at),
});

const capText = (a: AccountState) => (a.netDebitCap === null ? null : a.netDebitCap.toString());

/** SQL for one validator's own database, and nothing else. */
export class LedgerRepository {
  constructor(private readonly pool: Pool) {}

  get db(): Pool {
    return this.pool;
  }

  async loadSnapshot(): Promise<LedgerSnapshot> {
    const accounts = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts`);
    const suspended = await this.pool.query<{ participant: string }>('SELECT participant FROM suspended_participants');
    return { accounts: accounts.rows.map(toAccount), suspended: suspended.rows.map((r) => r.participant) };
  }

  /** The liquidity queue as of the last applied block, and its next sequence number. */
  async loadQueue(): Promise<{ entries: QueueEntry[]; next: number }> {
    const entries = await this.queuedTransfers(this.pool);
    const next = await this.pool.query<{ next_seq: string }>('SELECT next_seq::text FROM liquidity_queue_seq');
    return { entries, next: next.rows[0] ? Number(next.rows[0].next_seq) : 1 };
  }

  /** The escrows waiting as of the last applied block. */
  async loadEscrows(): Promise<EscrowEntry[]> {
    const { rows } = await this.pool.query<{ tx: EscrowEntry['tx']; reserved_height: string }>('SELECT tx, reserved_height::text FROM escrows ORDER BY tx_id');
    return rows.map((r) => ({ tx: r.tx, height: Number(r.reserved_height) }));
  }

  /** The waiting transfers as of the last applied block (of `accounts`, or all), in order of arrival. */
  async queuedTransfers(db: Db, accounts?: string[]): Promise<QueueEntry[]> {
    const { rows } = await db.query<QueueRow>(
      `SELECT ${QUEUE_COLUMNS} FROM liquidity_queue WHERE $1::text[] IS NULL OR account = ANY($1::text[]) ORDER BY seq`,
      [accounts ?? null],
    );
    return rows.map(toQueueEntry);
  }

  async loadTip(): Promise<ChainTip> {
    const { rows } = await this.pool.query<{ height: bigint; hash: string; last_offset: bigint }>(
      'SELECT height, hash, last_offset FROM blocks ORDER BY height DESC LIMIT 1',
    );
    if (rows.length === 0) return { height: 0, hash: null, nextOffset: null };
    return { height: Number(rows[0].height), hash: rows[0].hash, nextOffset: rows[0].last_offset + 1n };
  }

  /** The ids among `ids` already recorded in a block (one indexed lookup for a whole Kafka batch). */
  async knownIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ tx_id: string }>('SELECT tx_id FROM block_transactions WHERE tx_id = ANY($1::text[])', [ids]);
    return new Set(rows.map((r) => r.tx_id));
  }

  /** Writes a sealed block with this validator's signature (one statement); answers the other signatures stored. */
  async insertBlock(block: SealedBlock, own: OwnSignature): Promise<StoredSignature[]> {
    const h = block.header;
    const { leaves, createdAccounts: opened, updatedAccounts: moved } = block;
    const added = block.queueChanges?.added ?? [];
    const escrowAdded = block.escrowChanges?.added ?? [];
    // Named: each connection plans the statement once, not for every block (planning it cost more than running it).
    const { rows } = await this.pool.query<{ signatures: StoredSignature[] }>({
      name: 'ledger-insert-block',
      text: INSERT_BLOCK_SQL,
      values: [
        h.height,
        block.hash,
        h.prevHash,
        h.merkleRoot,
        h.stateDigest,
        h.txCount,
        h.timestamp,
        block.lastOffset,
        `[${block.leafTexts.join(',')}]`,
        leaves.map((_, i) => i),
        leaves.map((l) => l.id),
        leaves.map((l) => l.uetr ?? null),
        leaves.map((l) => l.kind),
        leaves.map((l) => l.outcome.status),
        leaves.map((l) => (l.outcome.status === 'rejected' ? l.outcome.reason : null)),
        opened.map((a) => a.id),
        opened.map((a) => a.participant),
        opened.map((a) => a.currency),
        opened.map((a) => a.balance.toString()),
        opened.map(capText),
        moved.map((a) => a.id),
        moved.map((a) => a.balance.toString()),
        moved.map(capText),
        block.suspended !== null,
        block.suspended ?? [],
        own.validator,
        own.signature,
        own.quorum,
        own.topic,
        JSON.stringify(own.payload),
        block.queue === null ? null : JSON.stringify(block.queue),
        added.map((e) => e.seq),
        added.map((e) => e.account),
        added.map((e) => e.tx.id),
        added.map((e) => JSON.stringify(e.tx)),
        added.map((e) => e.arrivedAt),
        added.map((e) => e.queueForMs),
        added.map((e) => e.expiresAt),
        block.queueChanges?.removed ?? [],
        block.queueChanges?.next ?? null,
        escrowAdded.map((e) => e.tx.id),
        escrowAdded.map((e) => JSON.stringify(e.tx)),
        escrowAdded.map((e) => e.tx.condition.expiresAt),
        escrowAdded.map((e) => e.height),
        block.escrowChanges?.removed ?? [],
      ],
    });
    return rows[0].signatures;
  }

  /**
   * Heights among the last `lookback` blocks that have no finality record yet but hold at least `quorum`
   * signatures: what a missed quorum check left behind.
   */
  async finalityCandidates(quorum: number, lookback: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ height: bigint }>(
      `SELECT b.height FROM blocks b
        WHERE b.height > (SELECT coalesce(max(height), 0) FROM blocks) - $2
          AND NOT EXISTS (SELECT 1 FROM finality f WHERE f.height = b.height)
          AND (SELECT count(*) FROM block_signatures s WHERE s.height = b.height) >= $1
        ORDER BY b.height LIMIT $2`,
      [quorum, lookback],
    );
    return rows.map((r) => Number(r.height));
  }

  /** Stores signatures (the first one per validator and height wins; a second, different one is ignored). */
  async insertSignatures(tx: Db, signatures: (StoredSignature & { height: number })[]): Promise<void> {
    await tx.query(
      `INSERT INTO block_signatures (height, validator, hash, signature)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      [signatures.map((s) => s.height), signatures.map((s) => s.validator), signatures.map((s) => s.hash), signatures.map((s) => s.signature)],
    );
  }

  /** Serialises quorum checks of these heights until the transaction ends (in height order: no deadlock). */
  async lockHeights(tx: PoolClient, sortedHeights: number[]): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1, h) FROM unnest($2::int[]) AS h ORDER BY h', [QUORUM_LOCK_NAMESPACE, sortedHeights]);
  }

  /** This validator's block, whether it is final, and every stored signature, for each height it has a block for. */
  async heightStates(tx: PoolClient, heights: number[]): Promise<Map<number, HeightState>> {
    const { rows } = await tx.query<BlockRow & { final: boolean; signatures: StoredSignature[] }>(
      `SELECT ${BLOCK_COLUMNS.split(', ')
        .map((c) => `b.${c}`)
        .join(', ')},
              EXISTS (SELECT 1 FROM finality f WHERE f.height = b.height) AS final,
              (SELECT coalesce(json_agg(json_build_object('validator', s.validator, 'hash', s.hash, 'signature', s.signature) ORDER BY s.validator), '[]'::json)
                 FROM block_signatures s WHERE s.height = b.height) AS signatures
         FROM blocks b WHERE b.height = ANY($1::bigint[])`,
      [heights],
    );
    return new Map(rows.map((r) => [Number(r.height), { block: toBlock(r), final: r.final, signatures: r.signatures }]));
  }

  /** The leaves (parsed) and queue record of several blocks, by height. */
  async leavesOf(tx: Db, heights: number[]): Promise<Map<number, { leaves: LedgerLeaf[]; queue: BlockQueueRecord | null }>> {
    if (heights.length === 0) return new Map();
    const { rows } = await tx.query<{ height: bigint; leaves: string; queue: BlockQueueRecord | null }>(
      'SELECT height, leaves, queue FROM blocks WHERE height = ANY($1::bigint[])',
      [heights],
    );
    return new Map(rows.map((r) => [Number(r.height), { leaves: JSON.parse(r.leaves) as LedgerLeaf[], queue: r.queue }]));
  }

  async block(db: Db, height: number): Promise<StoredBlock | null> {
    const { rows } = await db.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM blocks WHERE height = $1`, [height]);
    return rows[0] ? toBlock(rows[0]) : null;
  }

  async insertFinality(tx: PoolClient, height: number, hash: string, signatures: StoredSignature[]): Promise<boolean> {
    const { rowCount } = await tx.query('INSERT INTO finality (height, hash, signatures) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      height,
      hash,
      JSON.stringify(signatures.map(({ validator, signature }) => ({ validator, signature }))),
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** In the finality transaction: tells this database's listeners, on commit, that blocks up to `height` are final. */
  async notifyFinal(tx: PoolClient, height: number): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [LEDGER_FINAL_CHANNEL, String(height)]);
  }

  /** The leaves of a block, in Merkle order, as stored (parsed JSON). */
  async leaves(db: Db, height: number): Promise<LedgerLeaf[]> {
    const { rows } = await db.query<{ leaves: string }>('SELECT leaves FROM blocks WHERE height = $1', [height]);
    return rows[0] ? (JSON.parse(rows[0].leaves) as LedgerLeaf[]) : [];
  }

  /**
   * Where a transaction was recorded, by its id or (for a UUID) its uetr. Both lookups use an index: the primary
   * key, or the partial uetr index that holds the transactions whose id is not their uetr.
   */
  async locate(txIdOrUetr: string): Promise<{ height: number; idx: number } | null> {
    const uetr = UUID.test(txIdOrUetr) ? txIdOrUetr.toLowerCase() : null;
    // An exact id wins: a payment's uetr is also the uetr of its returns (whose ids differ).
    const { rows } = await this.pool.query<{ height: bigint; idx: number }>(
      `SELECT height, idx FROM (
         SELECT height, idx, 0 AS rank FROM block_transactions WHERE tx_id = $1 OR tx_id = $2
         UNION ALL SELECT height, idx, 1 FROM block_transactions
          WHERE $2::uuid IS NOT NULL AND uetr = $2::uuid AND uetr::text <> tx_id AND kind = 'transfer'
       ) t ORDER BY rank, height LIMIT 1`,
      [txIdOrUetr, uetr],
    );
    return rows[0] ? { height: Number(rows[0].height), idx: rows[0].idx } : null;
  }

  async finalHeight(db: Db = this.pool): Promise<number> {
    const { rows } = await db.query<{ h: bigint | null }>('SELECT max(height) AS h FROM finality');
    return rows[0].h === null ? 0 : Number(rows[0].h);
  }

  async finality(height: number): Promise<{ hash: string; signatures: { validator: string; signature: string }[] } | null> {
    const { rows } = await this.pool.query<{ hash: string; signatures: { validator: string; signature: string }[] }>(
      'SELECT hash, signatures FROM finality WHERE height = $1',
      [height],
    );
    return rows[0] ?? null;
  }

  /**
   * A participant's balances as of the last final block, with the leaves of the blocks applied above it (at most
   * `blocksMax`), all read in one REPEATABLE READ snapshot: read apart, a block applied between the reads would be
   * rewound from balances that never held it, or held in balances without being rewound.
   */
  async accountsAtFinal(
    participant: string,
    blocksMax: number,
  ): Promise<{ height: number; accounts: AccountState[]; later: LedgerLeaf[][]; queued: { account: string; tx: LedgerTransfer }[] }> {
    return withTransaction(
      this.pool,
      async (db) => {
        const height = await this.finalHeight(db);
        const accounts = await this.participantAccounts(db, participant);
        const later = await this.blocksAbove(db, height, blocksMax);
        const queued = await this.queuedTransfers(
          db,
          accounts.map((a) => a.id),
        );
        return { height, accounts, later, queued };
      },
      { readOnly: true, repeatableRead: true },
    );
  }

  /** Accounts by id, as of the last applied block. */
  async accountsById(db: Db, ids: string[]): Promise<AccountState[]> {
    const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ANY($1::text[])`, [ids]);
    return rows.map(toAccount);
  }

  /** A participant's current balances (after the last applied block). */
  async participantAccounts(db: Db, participant: string): Promise<AccountState[]> {
    const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE participant = $1 ORDER BY currency`, [participant]);
    return rows.map(toAccount);
  }

  /** The leaves of each block above `height` (applied but not yet final), oldest first; at most `limit` blocks. */
  async blocksAbove(db: Db, height: number, limit: number): Promise<LedgerLeaf[][]> {
    const { rows } = await db.query<{ leaves: string }>('SELECT leaves FROM blocks WHERE height > $1 ORDER BY height LIMIT $2', [height, limit]);
    return rows.map((r) => JSON.parse(r.leaves) as LedgerLeaf[]);
  }

  async activeHalt(): Promise<Halt | null> {
    const { rows } = await this.pool.query<{ height: bigint; own_hash: string | null; quorum_hash: string; reason: string }>(
      'SELECT height, own_hash, quorum_hash, reason FROM halts WHERE cleared_at IS NULL ORDER BY id LIMIT 1',
    );
    const r = rows[0];
    return r ? { height: Number(r.height), ownHash: r.own_hash, quorumHash: r.quorum_hash, reason: r.reason } : null;
  }

  /** Records a divergence once per height (until cleared); true when this call recorded it. */
  async insertHalt(db: Db, halt: Halt): Promise<boolean> {
    const { rowCount } = await db.query(
      `INSERT INTO halts (height, own_hash, quorum_hash, reason) SELECT $1, $2, $3, $4
        WHERE NOT EXISTS (SELECT 1 FROM halts WHERE height = $1 AND cleared_at IS NULL)`,
      [halt.height, halt.ownHash, halt.quorumHash, halt.reason],
    );
    return rowCount === 1;
  }
}
