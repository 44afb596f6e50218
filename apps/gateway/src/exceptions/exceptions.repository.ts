import { CURSOR_AT_SQL, Pool, PoolClient } from '@nostro/platform';
import { RecallStatusEvent, ReturnStatusEvent } from '@nostro/shared';

export interface RecallRow {
  recall_id: string;
  uetr: string;
  status: RecallStatusEvent['status'];
  reason: string;
  comment: string | null;
  respond_by: Date;
  resolution: { reason?: string; returnId?: string; at: number } | null;
  requested_at: Date;
}

export interface ReturnRow {
  return_id: string;
  uetr: string;
  recall_id: string | null;
  status: ReturnStatusEvent['status'];
  amount_minor: string;
  currency: string;
  source_amount_minor: string;
  source_currency: string;
  reason: string;
  reject_reason: string | null;
  block_height: string | null;
  block_hash: string | null;
  created_at: Date;
}

/** A payment's recall and returns, as its views show them. */
export interface PaymentExceptions {
  recall: RecallRow | null;
  returns: ReturnRow[];
}

export const NO_EXCEPTIONS: PaymentExceptions = { recall: null, returns: [] };

const RECALL_COLUMNS = 'recall_id::text, uetr::text, status, reason, comment, respond_by, resolution, requested_at';
const RETURN_COLUMNS = `return_id::text, uetr::text, recall_id::text, status, amount_minor::text, currency, source_amount_minor::text, source_currency,
  reason, reject_reason, block_height::text, block_hash, created_at`;

/** One open recall with what the console shows beside it. */
export interface OpenRecallRow extends RecallRow {
  debtor: string;
  creditor: string;
  receive_amount: string;
  target_currency: string;
  cursor_at: string;
}

/** The gateway's read model of recalls and returns (settlement decides them; these tables only mirror it). */
export class ExceptionsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Applies a recall's state once per change: a new recall is inserted PENDING; a resolution replaces PENDING only.
   * Answers the row as it stands after the event, or null when the event changed nothing (a copy, or a stale one).
   */
  async applyRecall(tx: PoolClient, e: RecallStatusEvent): Promise<RecallRow | null> {
    const { rows } = await tx.query<RecallRow>(
      `INSERT INTO payment_recalls (recall_id, uetr, status, reason, comment, respond_by, resolution, requested_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM payments WHERE uetr = $2)
       ON CONFLICT (recall_id) DO UPDATE SET status = EXCLUDED.status, resolution = EXCLUDED.resolution, updated_at = now()
        WHERE payment_recalls.status = 'PENDING' AND EXCLUDED.status <> 'PENDING'
       RETURNING ${RECALL_COLUMNS}`,
      [
        e.recallId,
        e.uetr,
        e.status,
        e.reason,
        e.comment ?? null,
        new Date(e.respondBy),
        e.resolution ? JSON.stringify(e.resolution) : null,
        new Date(e.status === 'PENDING' ? e.at : (e.resolution?.at ?? e.at)),
      ],
    );
    return rows[0] ?? null;
  }

  /** Applies a return's state once per change: RECEIVED inserts it, SETTLED or REJECTED finish a RECEIVED one. */
  async applyReturn(tx: PoolClient, e: ReturnStatusEvent): Promise<ReturnRow | null> {
    const { rows } = await tx.query<ReturnRow>(
      `INSERT INTO payment_returns (return_id, uetr, recall_id, status, amount_minor, currency, source_amount_minor, source_currency, reason, reject_reason,
                                    block_height, block_hash, created_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE EXISTS (SELECT 1 FROM payments WHERE uetr = $2)
       ON CONFLICT (return_id) DO UPDATE SET status = EXCLUDED.status, reject_reason = EXCLUDED.reject_reason, block_height = EXCLUDED.block_height,
              block_hash = EXCLUDED.block_hash, updated_at = now()
        WHERE payment_returns.status = 'RECEIVED' AND EXCLUDED.status <> 'RECEIVED'
       RETURNING ${RETURN_COLUMNS}`,
      [
        e.returnId,
        e.uetr,
        e.recallId ?? null,
        e.status,
        e.amountMinor,
        e.currency,
        e.sourceAmountMinor,
        e.sourceCurrency,
        e.reason,
        e.rejectReason ?? null,
        e.block?.height ?? null,
        e.block?.hash ?? null,
        new Date(e.at),
      ],
    );
    return rows[0] ?? null;
  }

  /** Timeline entries of recall and return steps (one per step and recall or return). */
  async addTimeline(tx: PoolClient, entries: readonly { uetr: string; status: string; reason: string | null; at: Date; ref: string }[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO payment_timeline (uetr, status, reason, at, ref)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING`,
      [entries.map((e) => e.uetr), entries.map((e) => e.status), entries.map((e) => e.reason), entries.map((e) => e.at), entries.map((e) => e.ref)],
    );
  }

  /** The latest recall and every return of each payment, for its views (one round trip per list of payments). */
  async forPayments(uetrs: readonly string[], db: Pool | PoolClient = this.pool): Promise<Map<string, PaymentExceptions>> {
    const out = new Map<string, PaymentExceptions>();
    if (uetrs.length === 0) return out;
    const { rows } = await db.query<{ recalls: RecallRow[] | null; returns: ReturnRow[] | null; uetr: string }>(
      `SELECT u.uetr::text,
              (SELECT json_agg(r ORDER BY r.requested_at DESC) FROM (SELECT ${RECALL_COLUMNS} FROM payment_recalls WHERE uetr = u.uetr) r) AS recalls,
              (SELECT json_agg(t ORDER BY t.created_at, t.return_id) FROM (SELECT ${RETURN_COLUMNS} FROM payment_returns WHERE uetr = u.uetr) t) AS returns
         FROM unnest($1::uuid[]) AS u(uetr)
        WHERE EXISTS (SELECT 1 FROM payment_recalls WHERE uetr = u.uetr) OR EXISTS (SELECT 1 FROM payment_returns WHERE uetr = u.uetr)`,
      [uetrs],
    );
    for (const row of rows) {
      const recall = row.recalls?.[0];
      out.set(row.uetr, {
        recall: recall ? { ...recall, respond_by: new Date(recall.respond_by), requested_at: new Date(recall.requested_at) } : null,
        returns: (row.returns ?? []).map((r) => ({
          ...r,
          block_height: r.block_height === null ? null : String(r.block_height),
          created_at: new Date(r.created_at),
        })),
      });
    }
    return out;
  }

  /** One return of a payment, if it is that payment's. */
  async findReturn(uetr: string, returnId: string): Promise<ReturnRow | null> {
    const { rows } = await this.pool.query<ReturnRow>(`SELECT ${RETURN_COLUMNS} FROM payment_returns WHERE return_id = $1 AND uetr = $2`, [returnId, uetr]);
    return rows[0] ?? null;
  }

  /** Open recalls, soonest deadline first, after the keyset position (ops console: what waits on whom). */
  async openRecalls(limit: number, after?: { at: string; id: string }): Promise<OpenRecallRow[]> {
    const { rows } = await this.pool.query<OpenRecallRow>(
      `SELECT r.recall_id::text, r.uetr::text, r.status, r.reason, r.comment, r.respond_by, r.resolution, r.requested_at,
              p.participant AS debtor, p.creditor_participant AS creditor, p.quote->>'receiveAmount' AS receive_amount,
              p.quote->>'targetCurrency' AS target_currency, ${CURSOR_AT_SQL('r.respond_by')} AS cursor_at
         FROM payment_recalls r JOIN payments p ON p.uetr = r.uetr
        WHERE r.status = 'PENDING' AND ($2::timestamptz IS NULL OR (r.respond_by, r.recall_id) > ($2::timestamptz, $3::uuid))
        ORDER BY r.respond_by, r.recall_id LIMIT $1`,
      [limit, after?.at ?? null, after?.id ?? null],
    );
    return rows;
  }
}
