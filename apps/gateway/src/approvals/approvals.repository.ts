import { Pool, PoolClient, withTransaction } from '@nostro/platform';

export type ApprovalStatus = 'PENDING_APPROVAL' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export interface ApprovalRow {
  id: string;
  action: string;
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  body: unknown;
  idempotency_key: string | null;
  requested_by: string;
  requested_by_name: string;
  status: ApprovalStatus;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  comment: string | null;
  result_status: number | null;
  result_body: unknown;
  created_at: Date;
  expires_at: Date;
}

export interface NewApproval {
  id: string;
  action: string;
  method: string;
  path: string;
  body: unknown;
  idempotencyKey: string | null;
  requestedBy: { id: string; name: string };
  expiresAt: Date;
}

/** Operator calls waiting for a second admin (admin_approvals). SQL only. */
export class ApprovalsRepository {
  constructor(private readonly pool: Pool) {}

  /** Records a pending call; a repeat by the same operator with the same Idempotency-Key answers the first one. */
  async insert(a: NewApproval): Promise<ApprovalRow> {
    const { rows } = await this.pool.query<ApprovalRow>(
      `WITH added AS (
         INSERT INTO admin_approvals (id, action, method, path, body, idempotency_key, requested_by, requested_by_name, status, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'PENDING_APPROVAL', $9)
         ON CONFLICT (requested_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *
       )
       SELECT * FROM added
       UNION ALL SELECT * FROM admin_approvals WHERE requested_by = $7 AND idempotency_key = $6 AND NOT EXISTS (SELECT 1 FROM added)`,
      [
        a.id,
        a.action,
        a.method,
        a.path,
        a.body === undefined ? null : JSON.stringify(a.body),
        a.idempotencyKey,
        a.requestedBy.id,
        a.requestedBy.name,
        a.expiresAt,
      ],
    );
    return rows[0];
  }

  async find(id: string): Promise<ApprovalRow | null> {
    const { rows } = await this.pool.query<ApprovalRow>('SELECT * FROM admin_approvals WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** Runs `fn` with the request locked (one decision at a time), in one transaction. */
  locked<T>(id: string, fn: (row: ApprovalRow | null, tx: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<ApprovalRow>('SELECT * FROM admin_approvals WHERE id = $1 FOR UPDATE', [id]);
      return fn(rows[0] ?? null, tx);
    });
  }

  /** Records the decision; answers the request as it now is. */
  async decide(
    tx: PoolClient,
    id: string,
    d: { status: ApprovalStatus; by: { id: string; name: string } | null; comment: string | null },
  ): Promise<ApprovalRow> {
    const { rows } = await tx.query<ApprovalRow>(
      `UPDATE admin_approvals SET status = $2, decided_by = $3, decided_by_name = $4, decided_at = CASE WHEN $2 = 'EXPIRED' THEN decided_at ELSE now() END, comment = $5
        WHERE id = $1 RETURNING *`,
      [id, d.status, d.by?.id ?? null, d.by?.name ?? null, d.comment],
    );
    return rows[0];
  }

  async recordResult(id: string, status: number, body: unknown): Promise<void> {
    await this.pool.query('UPDATE admin_approvals SET result_status = $2, result_body = $3 WHERE id = $1', [id, status, JSON.stringify(body ?? null)]);
  }

  /** Marks pending requests past their deadline EXPIRED. */
  async expire(now: Date): Promise<number> {
    const { rowCount } = await this.pool.query(`UPDATE admin_approvals SET status = 'EXPIRED' WHERE status = 'PENDING_APPROVAL' AND expires_at <= $1`, [now]);
    return rowCount ?? 0;
  }

  async list(q: { status?: ApprovalStatus; limit: number; after?: { at: string; id: string } }): Promise<(ApprovalRow & { cursor_at: string })[]> {
    const { rows } = await this.pool.query<ApprovalRow & { cursor_at: string }>(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at FROM admin_approvals
        WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY admin_approvals.created_at, admin_approvals.id LIMIT $4`,
      [q.status ?? null, q.after?.at ?? null, q.after?.id ?? null, q.limit],
    );
    return rows;
  }
}
