import { PoolClient } from '@nostro/platform';
import { FinalityMessage } from '@nostro/shared';

export interface FinishedRequest {
  id: string;
  kind: string;
  status: 'SETTLED' | 'REJECTED';
  reason: string | null;
  payload: unknown;
  /** Position of its transaction in the block. */
  txIndex: number;
}

/** Operator requests that become ledger transactions, and the final blocks settlement has taken in: SQL only. */
export class LedgerRequestRepository {
  async insertRequest(tx: PoolClient, r: { requestId: string; kind: string; participant: string | null; payload: unknown }): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO ledger_requests (request_id, kind, participant, payload, status) VALUES ($1, $2, $3, $4, 'SUBMITTED')
       ON CONFLICT DO NOTHING`,
      [r.requestId, r.kind, r.participant, JSON.stringify(r.payload)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Refuses a request settlement will not submit (it never reaches the ledger). */
  async refuse(tx: PoolClient, requestId: string, reason: string): Promise<void> {
    await tx.query(`UPDATE ledger_requests SET status = 'REJECTED', reason = $2, updated_at = now() WHERE request_id = $1 AND status = 'SUBMITTED'`, [
      requestId,
      reason,
    ]);
  }

  /** Final outcome of requests still SUBMITTED; returns those that changed, in block order. */
  async finishRequests(
    tx: PoolClient,
    outcomes: { id: string; status: string; reason: string | null; txIndex: number }[],
    height: number,
  ): Promise<FinishedRequest[]> {
    if (outcomes.length === 0) return [];
    const { rows } = await tx.query<{ request_id: string; kind: string; status: 'SETTLED' | 'REJECTED'; reason: string | null; payload: unknown; idx: number }>(
      `UPDATE ledger_requests r SET status = o.status, reason = o.reason, block_height = $5, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS o(id, status, reason, idx)
        WHERE r.request_id = o.id AND r.status = 'SUBMITTED'
        RETURNING r.request_id, r.kind, r.status, r.reason, r.payload, o.idx`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.status), outcomes.map((o) => o.reason), outcomes.map((o) => o.txIndex), height],
    );
    return rows
      .map((r) => ({ id: r.request_id, kind: r.kind, status: r.status, reason: r.reason, payload: r.payload, txIndex: r.idx }))
      .sort((a, b) => a.txIndex - b.txIndex);
  }

  async isBlockKnown(tx: PoolClient, height: number): Promise<boolean> {
    const { rowCount } = await tx.query('SELECT 1 FROM finalized_blocks WHERE height = $1', [height]);
    return (rowCount ?? 0) > 0;
  }

  /** Records a verified final block and the outcome of each of its transactions; false if already recorded. */
  async recordBlock(tx: PoolClient, record: FinalityMessage): Promise<boolean> {
    const { height, hash } = record.block;
    const { rowCount } = await tx.query('INSERT INTO finalized_blocks (height, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [height, hash]);
    if ((rowCount ?? 0) === 0) return false;
    const list = record.transactions;
    if (list.length === 0) return true;
    await tx.query(
      `INSERT INTO ledger_transactions (tx_id, height, idx, uetr, kind, status, reason, return_id)
       SELECT o.id, $1, o.idx, o.uetr, o.kind, o.status, o.reason, o.return_id
         FROM unnest($2::text[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::uuid[]) AS o(id, idx, uetr, kind, status, reason, return_id)
       ON CONFLICT (tx_id) DO NOTHING`,
      [
        height,
        list.map((t) => t.id),
        list.map((_, i) => i),
        list.map((t) => t.uetr ?? null),
        list.map((t) => t.kind),
        list.map((t) => t.outcome.status),
        list.map((t) => (t.outcome.status === 'rejected' ? t.outcome.reason : null)),
        list.map((t) => t.returnId ?? null),
      ],
    );
    return true;
  }
}
