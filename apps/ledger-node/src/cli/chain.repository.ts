/**
 * Reads a chain for the audit: from a validator's database (one REPEATABLE READ, READ ONLY snapshot, so a live
 * validator can be audited while it keeps writing) or from an exported chain file (JSON Lines). SQL and file
 * parsing only; the checks live in AuditService and in the domain's ChainVerifier.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { z } from 'zod';
import { AccountState, BlockQueueRecord, ChainBlock } from '@nostro/shared';

const count = z.int().nonnegative();
/** A block line of a chain file: shapes only; every value is checked by the verifier. */
const blockLineSchema = z.strictObject({
  header: z.strictObject({ height: count, prevHash: z.string(), merkleRoot: z.string(), stateDigest: z.string(), txCount: count, timestamp: count }),
  hash: z.string(),
  signatures: z.array(z.strictObject({ validator: z.string(), signature: z.string() })).nullable(),
  leaves: z.array(z.unknown()),
  /** The block's liquidity-queue record (BlockQueueRecord), when it did anything with the queue beyond its leaves. */
  queue: z
    .strictObject({
      queued: z.array(
        z.strictObject({ seq: count, account: z.string(), id: z.string(), uetr: z.string().optional(), arrivedAt: count, expiresAt: count.nullable() }),
      ),
      gridlock: z.array(z.string()),
    })
    .nullable()
    .optional(),
});

/** First line of an exported chain file. */
export interface ChainFileHead {
  format: typeof CHAIN_FILE_FORMAT;
  networkId: string;
  exportedAt: string;
  source: string;
}

/** Last line: lets the reader tell a complete export from a truncated one. */
export interface ChainFileEnd {
  end: true;
  blocks: number;
  tipHash: string | null;
}

export const CHAIN_FILE_FORMAT = 'nostro-chain/1';
const PAGE_BLOCKS = 200;

/** One block's index rows (block_transactions), to compare with its leaves. */
export interface IndexRow {
  idx: number;
  txId: string;
  uetr: string | null;
  kind: string;
  status: string;
  reason: string | null;
}

export interface DatabaseBlock extends ChainBlock {
  finalityHash: string | null;
  index: IndexRow[];
}

interface BlockPageRow {
  height: string;
  hash: string;
  prev_hash: string;
  merkle_root: string;
  state_digest: string;
  tx_count: number;
  block_time: string;
  leaves: string;
  queue: BlockQueueRecord | null;
  finality_hash: string | null;
  signatures: { validator: string; signature: string }[] | null;
}

/** A read-only, consistent view of one validator database. */
export class DatabaseChain {
  private constructor(private readonly db: Client) {}

  static async open(databaseUrl: string): Promise<DatabaseChain> {
    const db = new Client({ connectionString: databaseUrl, application_name: 'nostro-ledger-audit' });
    await db.connect();
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return new DatabaseChain(db);
  }

  async close(): Promise<void> {
    await this.db.query('ROLLBACK').catch(() => undefined);
    await this.db.end();
  }

  /** Every block from genesis, in height order, a page at a time. */
  async *blocks(): AsyncGenerator<DatabaseBlock> {
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<BlockPageRow>(
        `SELECT b.height::text, b.hash, b.prev_hash, b.merkle_root, b.state_digest, b.tx_count, b.block_time::text, b.leaves, b.queue,
                f.hash AS finality_hash, f.signatures
           FROM blocks b LEFT JOIN finality f ON f.height = b.height
          WHERE b.height > $1 ORDER BY b.height LIMIT ${PAGE_BLOCKS}`,
        [after],
      );
      if (rows.length === 0) return;
      const index = await this.indexRows(Number(rows[0].height), Number(rows[rows.length - 1].height));
      for (const row of rows) yield toDatabaseBlock(row, index.get(Number(row.height)) ?? []);
      after = Number(rows[rows.length - 1].height);
    }
  }

  private async indexRows(from: number, to: number): Promise<Map<number, IndexRow[]>> {
    const { rows } = await this.db.query<{
      height: string;
      idx: number;
      tx_id: string;
      uetr: string | null;
      kind: string;
      status: string;
      reason: string | null;
    }>(
      'SELECT height::text, idx, tx_id, uetr::text, kind, status, reason FROM block_transactions WHERE height BETWEEN $1 AND $2 ORDER BY block_transactions.height, idx',
      [from, to],
    );
    const byHeight = new Map<number, IndexRow[]>();
    for (const r of rows) {
      const list = byHeight.get(Number(r.height)) ?? [];
      list.push({ idx: r.idx, txId: r.tx_id, uetr: r.uetr, kind: r.kind, status: r.status, reason: r.reason });
      byHeight.set(Number(r.height), list);
    }
    return byHeight;
  }

  async accounts(): Promise<AccountState[]> {
    const { rows } = await this.db.query<{ id: string; participant: string; currency: string; balance: string; net_debit_cap: string | null }>(
      'SELECT id, participant, currency, balance::text, net_debit_cap::text FROM accounts ORDER BY id',
    );
    return rows.map((r) => ({
      id: r.id,
      participant: r.participant,
      currency: r.currency,
      balance: BigInt(r.balance),
      netDebitCap: r.net_debit_cap === null ? null : BigInt(r.net_debit_cap),
    }));
  }

  async suspended(): Promise<string[]> {
    const { rows } = await this.db.query<{ participant: string }>('SELECT participant FROM suspended_participants ORDER BY participant');
    return rows.map((r) => r.participant);
  }

  /** Index rows that point at no block (a block deleted, or rows added by hand). */
  async orphanIndexRows(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM block_transactions t WHERE NOT EXISTS (SELECT 1 FROM blocks b WHERE b.height = t.height)',
    );
    return rows[0].n;
  }
}

function toDatabaseBlock(row: BlockPageRow, index: IndexRow[]): DatabaseBlock {
  return {
    header: {
      height: Number(row.height),
      prevHash: row.prev_hash,
      merkleRoot: row.merkle_root,
      stateDigest: row.state_digest,
      txCount: row.tx_count,
      timestamp: Number(row.block_time),
    },
    hash: row.hash,
    leaves: parseLeaves(row.leaves),
    signatures: row.signatures,
    queue: row.queue,
    finalityHash: row.finality_hash,
    index,
  };
}

function parseLeaves(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [text];
  }
}

/** Reads an exported chain file line by line; throws on a malformed head, line or missing end line. */
export async function* chainFileBlocks(file: string, onHead: (head: ChainFileHead) => void, onEnd: (end: ChainFileEnd) => void): AsyncGenerator<ChainBlock> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let end: ChainFileEnd | null = null;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    const value = JSON.parse(line) as Record<string, unknown>;
    if (lineNo === 1) {
      if (value.format !== CHAIN_FILE_FORMAT) throw new Error(`${file}: not a ${CHAIN_FILE_FORMAT} file`);
      onHead(value as unknown as ChainFileHead);
    } else if (value.end === true) {
      end = value as unknown as ChainFileEnd;
    } else if (end !== null) {
      throw new Error(`${file}:${lineNo}: content after the end line`);
    } else {
      const block = blockLineSchema.safeParse(value);
      if (!block.success) throw new Error(`${file}:${lineNo}: not a block line (${block.error.issues[0]?.message})`);
      yield block.data;
    }
  }
  if (end === null) throw new Error(`${file}: no end line (truncated export?)`);
  onEnd(end);
}
