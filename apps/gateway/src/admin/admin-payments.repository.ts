import { Pool, PoolClient, CURSOR_AT_SQL, TimeKeyset } from '@nostro/platform';

type Db = Pool | PoolClient;
import { PaymentDecisionMessage } from '@nostro/shared';
import { PaymentRow, TimelineRow, TIMELINE_ORDER_SQL } from '../payments/payments.repository';

export interface DecisionRow {
  request_id: string;
  uetr: string;
  payload: PaymentDecisionMessage;
  status: 'SUBMITTED' | 'SETTLED' | 'REJECTED';
  reason: string | null;
  created_at: Date;
}

export interface AdminPaymentsQuery {
  status?: string;
  participant?: string;
  since?: string;
  after?: TimeKeyset;
  limit: number;
}

/** SQL of the operator views of payments, decisions and limits (the gateway's read model and admin requests). */
export class AdminPaymentsRepository {
  constructor(private readonly pool: Pool) {}

  async find(uetr: string, db: Db = this.pool): Promise<PaymentRow | null> {
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE uetr = $1', [uetr]);
    return rows[0] ?? null;
  }

  /** Any participant's payments, oldest first, after the cursor. */
  async list(q: AdminPaymentsQuery, db: Db = this.pool): Promise<(PaymentRow & { cursor_at: string })[]> {
    const { rows } = await db.query<PaymentRow & { cursor_at: string }>(
      `SELECT *, ${CURSOR_AT_SQL('created_at')} AS cursor_at FROM payments
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR participant = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
          AND ($4::timestamptz IS NULL OR (created_at, uetr) > ($4::timestamptz, $5::uuid))
        ORDER BY created_at, uetr LIMIT $6`,
      [q.status ?? null, q.participant ?? null, q.since ?? null, q.after?.at ?? null, q.after?.id ?? null, q.limit],
    );
    return rows;
  }

  async timelines(uetrs: readonly string[], db: Db = this.pool): Promise<Map<string, TimelineRow[]>> {
    const { rows } = await db.query<TimelineRow>(
      `SELECT uetr, status, reason, at FROM payment_timeline WHERE uetr = ANY($1::uuid[]) ORDER BY ${TIMELINE_ORDER_SQL}`,
      [uetrs],
    );
    return group(rows);
  }

  /** Operators' decisions sent to settlement for these payments, with settlement's answer once it came. */
  async decisions(uetrs: readonly string[], db: Db = this.pool): Promise<Map<string, DecisionRow[]>> {
    const { rows } = await db.query<DecisionRow>(
      `SELECT request_id, payload ->> 'uetr' AS uetr, payload, status, reason, created_at FROM admin_requests
        WHERE kind = 'decision' AND payload ->> 'uetr' = ANY($1::text[]) ORDER BY created_at, request_id`,
      [uetrs],
    );
    return group(rows);
  }

  async decision(requestId: string, db: Db = this.pool): Promise<DecisionRow | null> {
    const { rows } = await db.query<DecisionRow>(
      `SELECT request_id, payload ->> 'uetr' AS uetr, payload, status, reason, created_at FROM admin_requests WHERE request_id = $1 AND kind = 'decision'`,
      [requestId],
    );
    return rows[0] ?? null;
  }

  async participant(id: string): Promise<{ currencies: string[] } | null> {
    const { rows } = await this.pool.query<{ currencies: string[] }>('SELECT currencies FROM participants WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** Records an operator request that settlement answers with a request.status event (RequestWaiter waits on it). */
  async insertRequest(tx: PoolClient, r: { requestId: string; kind: string; participant: string; payload: unknown }): Promise<void> {
    await tx.query(
      `INSERT INTO admin_requests (request_id, kind, participant, payload, status) VALUES ($1, $2, $3, $4, 'SUBMITTED') ON CONFLICT (request_id) DO NOTHING`,
      [r.requestId, r.kind, r.participant, JSON.stringify(r.payload)],
    );
  }
}

function group<T extends { uetr: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) out.set(row.uetr, [...(out.get(row.uetr) ?? []), row]);
  return out;
}
