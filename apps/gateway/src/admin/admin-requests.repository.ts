import { Pool, PoolClient } from '@nostro/platform';

/** NOTIFY channel that wakes RequestWaiter when a request's outcome is stored (payload: the request id). */
export const ADMIN_REQUEST_FINAL_CHANNEL = 'admin_request_final';

/** An operator request that goes through the ledger (registration, suspension, deposit, withdrawal, limits). */
export interface AdminRequestSubmission {
  requestId: string;
  kind: string;
  participant: string;
  payload: unknown;
}

/** An outcome settlement reported for such a request (`request.status` on settlement.events). */
export interface AdminRequestOutcome {
  requestId: string;
  status: string;
  reason?: string | null;
  block?: { height: number; hash: string } | null;
}

/** What is known of a request: SUBMITTED until settlement reports the ledger's outcome. */
export interface AdminRequestState {
  status: 'SUBMITTED' | 'SETTLED' | 'REJECTED';
  reason: string | null;
  blockHeight: number | null;
  blockHash: string | null;
}

/** SQL of admin_requests: what operators asked the ledger for, and what became of it. */
export class AdminRequestsRepository {
  constructor(private readonly pool: Pool) {}

  async state(requestId: string): Promise<AdminRequestState | null> {
    const { rows } = await this.pool.query<{
      status: AdminRequestState['status'];
      reason: string | null;
      block_height: bigint | null;
      block_hash: string | null;
    }>('SELECT status, reason, block_height, block_hash FROM admin_requests WHERE request_id = $1', [requestId]);
    const row = rows[0];
    return row
      ? { status: row.status, reason: row.reason, blockHeight: row.block_height === null ? null : Number(row.block_height), blockHash: row.block_hash }
      : null;
  }

  /**
   * Whether a request of `kind` for the payment `uetr`, made by `participant`, still waits for settlement's outcome (a
   * fulfilment already on its way). Bounded by the participant's requests still SUBMITTED.
   */
  async hasPending(db: Pool | PoolClient, kind: string, participant: string, uetr: string): Promise<boolean> {
    const { rows } = await db.query(
      `SELECT 1 FROM admin_requests WHERE participant = $1 AND kind = $2 AND status = 'SUBMITTED' AND payload->>'uetr' = $3 LIMIT 1`,
      [participant, kind, uetr],
    );
    return rows.length > 0;
  }

  /** Records a request in the caller's transaction (with its outbox message); a repeat changes nothing (false). */
  async submit(tx: PoolClient, r: AdminRequestSubmission): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO admin_requests (request_id, kind, participant, payload, status) VALUES ($1, $2, $3, $4, 'SUBMITTED') ON CONFLICT DO NOTHING`,
      [r.requestId, r.kind, r.participant, JSON.stringify(r.payload)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Stores the outcome once (a request still SUBMITTED) and wakes whoever waits for it (RequestWaiter). */
  async recordOutcome(tx: PoolClient, e: AdminRequestOutcome): Promise<void> {
    const { rowCount } = await tx.query(
      `UPDATE admin_requests SET status = $2, reason = $3, block_height = $4, block_hash = $5, updated_at = now()
        WHERE request_id = $1 AND status = 'SUBMITTED'`,
      [e.requestId, e.status, e.reason ?? null, e.block?.height ?? null, e.block?.hash ?? null],
    );
    if ((rowCount ?? 0) > 0) await tx.query('SELECT pg_notify($1, $2)', [ADMIN_REQUEST_FINAL_CHANNEL, e.requestId]);
  }
}
