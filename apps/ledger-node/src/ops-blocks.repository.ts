import { Pool } from '@nostro/platform';
import { BlockRow, toBlock } from './ledger.repository';

/** A block header as the explorer lists it, with what this validator knows of its signatures. */
export interface ExplorerBlock {
  height: number;
  hash: string;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
  txCount: number;
  timestamp: number;
  final: boolean;
  finalizedAt: string | null;
}

export interface ReceivedSignature {
  height: number;
  validator: string;
  /** The header hash that validator signed (a divergent validator signs another one). */
  hash: string;
  signature: string;
  receivedAt: string;
}

type ExplorerRow = BlockRow & { finalized_at: Date | null };

/** Read-only SQL for the operations console's block explorer (docs/ops-console.md); one validator's own database. */
export class OpsBlocksRepository {
  constructor(private readonly pool: Pool) {}

  /** Newest first, strictly below `before` when given; at most `limit` headers. */
  async headers(limit: number, before: number | null): Promise<ExplorerBlock[]> {
    const { rows } = await this.pool.query<ExplorerRow>(
      `SELECT b.height, b.hash, b.prev_hash, b.merkle_root, b.state_digest, b.tx_count, b.block_time, f.finalized_at
         FROM blocks b LEFT JOIN finality f ON f.height = b.height
        WHERE ($1::bigint IS NULL OR b.height < $1)
        ORDER BY b.height DESC LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => ({
      ...toBlock(r),
      final: r.finalized_at !== null,
      finalizedAt: r.finalized_at?.toISOString() ?? null,
    }));
  }

  /** Every signature this validator received for these heights (its own included), by height then validator. */
  async signatures(heights: number[]): Promise<ReceivedSignature[]> {
    if (heights.length === 0) return [];
    const { rows } = await this.pool.query<{ height: bigint; validator: string; hash: string; signature: string; received_at: Date }>(
      'SELECT height, validator, hash, signature, received_at FROM block_signatures WHERE height = ANY($1::bigint[]) ORDER BY height DESC, validator',
      [heights],
    );
    return rows.map((r) => ({
      height: Number(r.height),
      validator: r.validator,
      hash: r.hash,
      signature: r.signature,
      receivedAt: r.received_at.toISOString(),
    }));
  }
}
