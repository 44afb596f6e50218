import { PoolClient } from '@nostro/platform';
import { RecallStatus, ReturnStatus } from '@nostro/shared';

export type ExceptionKind = 'cancel' | 'recall' | 'recall_response' | 'return' | 'fulfil';

export interface RecallRow {
  recall_id: string;
  uetr: string;
  reason: string;
  comment: string | null;
  status: RecallStatus;
  respond_by: Date;
  resolution_reason: string | null;
  return_id: string | null;
  requested_at: Date;
  resolved_at: Date | null;
}

export interface ReturnRow {
  return_id: string;
  uetr: string;
  recall_id: string | null;
  reason: string;
  amount_minor: string;
  source_amount_minor: string;
  receive_minor: string;
  status: ReturnStatus;
  reject_reason: string | null;
  block_height: string | null;
  block_hash: string | null;
  created_at: Date;
}

export interface NewReturn {
  returnId: string;
  uetr: string;
  recallId: string | null;
  reason: string;
  amountMinor: bigint;
  sourceAmountMinor: bigint;
  receiveMinor: bigint;
  at: Date;
}

const RECALL_COLUMNS = 'recall_id::text, uetr::text, reason, comment, status, respond_by, resolution_reason, return_id::text, requested_at, resolved_at';
const RETURN_COLUMNS = `return_id::text, uetr::text, recall_id::text, reason, amount_minor::text, source_amount_minor::text, receive_minor::text, status,
  reject_reason, block_height::text, block_hash, created_at`;

/** Cancels, recalls and returns (docs/exceptions.md): SQL only, in the caller's transaction. */
export class ExceptionRepository {
  /** Records a request once by its id; false when it was decided before (a redelivered message). */
  async recordRequest(tx: PoolClient, r: { requestId: string; kind: ExceptionKind; uetr: string; participant: string }): Promise<boolean> {
    const { rowCount } = await tx.query('INSERT INTO exception_requests (request_id, kind, uetr, participant) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      r.requestId,
      r.kind,
      r.uetr,
      r.participant,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** A cancel of a queued payment: answered once the ledger took the payment out of its queue, or decided it. */
  async awaitLedger(tx: PoolClient, requestId: string): Promise<void> {
    await tx.query('UPDATE exception_requests SET awaiting_ledger = true WHERE request_id = $1', [requestId]);
  }

  /** The requests of `kind` awaiting the ledger's word on these payments; they await no longer (the caller answers them). */
  async takeAwaiting(tx: PoolClient, kind: 'cancel' | 'fulfil', uetrs: readonly string[]): Promise<{ requestId: string; uetr: string }[]> {
    if (uetrs.length === 0) return [];
    const { rows } = await tx.query<{ request_id: string; uetr: string }>(
      `UPDATE exception_requests SET awaiting_ledger = false
        WHERE awaiting_ledger AND uetr = ANY($1::uuid[]) AND kind = $2 RETURNING request_id::text, uetr::text`,
      [uetrs, kind],
    );
    return rows.map((r) => ({ requestId: r.request_id, uetr: r.uetr }));
  }

  async refuseRequest(tx: PoolClient, requestId: string, refusal: string): Promise<void> {
    await tx.query('UPDATE exception_requests SET refusal = $2 WHERE request_id = $1', [requestId, refusal]);
  }

  async insertRecall(
    tx: PoolClient,
    r: { recallId: string; uetr: string; reason: string; comment: string | null; respondBy: Date; at: Date },
  ): Promise<RecallRow> {
    const { rows } = await tx.query<RecallRow>(
      `INSERT INTO payment_recalls (recall_id, uetr, reason, comment, status, respond_by, requested_at)
       VALUES ($1, $2, $3, $4, 'PENDING', $5, $6) RETURNING ${RECALL_COLUMNS}`,
      [r.recallId, r.uetr, r.reason, r.comment, r.respondBy, r.at],
    );
    return rows[0];
  }

  /** The payment's pending recall, locked (the payment's row lock is already held). */
  async pendingRecall(tx: PoolClient, uetr: string): Promise<RecallRow | null> {
    const { rows } = await tx.query<RecallRow>(`SELECT ${RECALL_COLUMNS} FROM payment_recalls WHERE uetr = $1 AND status = 'PENDING' FOR UPDATE`, [uetr]);
    return rows[0] ?? null;
  }

  async hasRecall(tx: PoolClient, uetr: string): Promise<boolean> {
    const { rowCount } = await tx.query('SELECT 1 FROM payment_recalls WHERE uetr = $1 LIMIT 1', [uetr]);
    return (rowCount ?? 0) > 0;
  }

  async resolveRecall(
    tx: PoolClient,
    r: { recallId: string; status: RecallStatus; reason: string | null; returnId: string | null; at: Date },
  ): Promise<RecallRow> {
    const { rows } = await tx.query<RecallRow>(
      `UPDATE payment_recalls SET status = $2, resolution_reason = $3, return_id = $4, resolved_at = $5
        WHERE recall_id = $1 AND status = 'PENDING' RETURNING ${RECALL_COLUMNS}`,
      [r.recallId, r.status, r.reason, r.returnId, r.at],
    );
    if (!rows[0]) throw new Error(`recall ${r.recallId} is not pending`);
    return rows[0];
  }

  /** Pending recalls past their answer deadline, oldest first, locked; rows another sweeper holds are skipped. */
  async lapsedRecalls(tx: PoolClient, now: Date, limit: number): Promise<RecallRow[]> {
    const { rows } = await tx.query<RecallRow>(
      `SELECT ${RECALL_COLUMNS} FROM payment_recalls WHERE status = 'PENDING' AND respond_by <= $1 ORDER BY respond_by LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows;
  }

  /** What returns already took of the payment (target minor units): settled ones and those still in flight. */
  async takenMinor(tx: PoolClient, uetr: string): Promise<bigint> {
    const { rows } = await tx.query<{ taken: string }>(
      `SELECT COALESCE(sum(amount_minor), 0)::text AS taken FROM payment_returns WHERE uetr = $1 AND status <> 'REJECTED'`,
      [uetr],
    );
    return BigInt(rows[0].taken);
  }

  /** What settled returns gave back of the payment (target minor units). */
  async settledMinor(tx: PoolClient, uetr: string): Promise<bigint> {
    const { rows } = await tx.query<{ settled: string }>(
      `SELECT COALESCE(sum(amount_minor), 0)::text AS settled FROM payment_returns WHERE uetr = $1 AND status = 'SETTLED'`,
      [uetr],
    );
    return BigInt(rows[0].settled);
  }

  async insertReturn(tx: PoolClient, r: NewReturn): Promise<ReturnRow> {
    const { rows } = await tx.query<ReturnRow>(
      `INSERT INTO payment_returns (return_id, uetr, recall_id, reason, amount_minor, source_amount_minor, receive_minor, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'RECEIVED', $8) RETURNING ${RETURN_COLUMNS}`,
      [r.returnId, r.uetr, r.recallId, r.reason, r.amountMinor.toString(), r.sourceAmountMinor.toString(), r.receiveMinor.toString(), r.at],
    );
    return rows[0];
  }

  /** Returns still RECEIVED among `returnIds`, locked, in id order. */
  async lockOpenReturns(tx: PoolClient, returnIds: readonly string[]): Promise<ReturnRow[]> {
    if (returnIds.length === 0) return [];
    const { rows } = await tx.query<ReturnRow>(
      `SELECT ${RETURN_COLUMNS} FROM payment_returns WHERE return_id = ANY($1::uuid[]) AND status = 'RECEIVED' ORDER BY return_id FOR UPDATE`,
      [returnIds],
    );
    return rows;
  }

  async finishReturn(
    tx: PoolClient,
    r: { returnId: string; status: ReturnStatus; rejectReason: string | null; block: { height: number; hash: string } },
  ): Promise<void> {
    await tx.query(
      `UPDATE payment_returns SET status = $2, reject_reason = $3, block_height = $4, block_hash = $5, updated_at = now()
        WHERE return_id = $1 AND status = 'RECEIVED'`,
      [r.returnId, r.status, r.rejectReason, r.block.height, r.block.hash],
    );
  }

  /** Returns submitted before `before` and still waiting for the ledger (the sweeper asks the validators). */
  async overdueReturns(db: PoolClient, before: Date, limit: number): Promise<ReturnRow[]> {
    const { rows } = await db.query<ReturnRow>(
      `SELECT ${RETURN_COLUMNS} FROM payment_returns WHERE status = 'RECEIVED' AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows;
  }
}
