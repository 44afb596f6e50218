import { Pool, PoolClient } from '@nostro/platform';
import { SignedQuote } from '@nostro/shared';
import { PaymentRequest } from './api.schemas';

export interface PaymentRow {
  uetr: string;
  participant: string;
  creditor_participant: string;
  quote: SignedQuote;
  end_to_end_id: string;
  debtor: { name: string; account: string };
  creditor: { name: string; account: string };
  remittance_info: string | null;
  status: string;
  reason: string | null;
  block_height: bigint | null;
  block_hash: string | null;
  created_at: Date;
}

export interface TimelineRow {
  uetr: string;
  status: string;
  reason: string | null;
  at: Date;
}

/** The gateway's payments read model: what banks see. */
export class PaymentsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records an accepted payment and its first timeline entry (`RECEIVED`). A payment the gateway itself rejects
   * (screening) is recorded with its final status in the same statement, so no reader sees it half-made.
   */
  async insert(
    tx: PoolClient,
    p: { uetr: string; participant: string; quote: SignedQuote; request: PaymentRequest; at: Date; totalDebitMinor: bigint; rejected?: { reason: string } },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, end_to_end_id, debtor, creditor, remittance_info, status, reason,
                             created_at, source_currency, total_debit_minor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [p.uetr, p.participant, p.quote.creditorParticipant, p.quote.id, JSON.stringify(p.quote), p.request.endToEndId,
        JSON.stringify(p.request.debtor), JSON.stringify(p.request.creditor), p.request.remittanceInfo ?? null,
        p.rejected ? 'REJECTED' : 'RECEIVED', p.rejected?.reason ?? null, p.at, p.quote.sourceCurrency, p.totalDebitMinor.toString()],
    );
    await tx.query(`INSERT INTO payment_timeline (uetr, status, at) VALUES ($1, 'RECEIVED', $2)`, [p.uetr, p.at]);
    if (p.rejected) await tx.query(`INSERT INTO payment_timeline (uetr, status, reason, at) VALUES ($1, 'REJECTED', $2, $3)`, [p.uetr, p.rejected.reason, p.at]);
  }

  /** The payment whoever its participants are: for event processing, never for answering a bank. */
  async findAny(uetr: string, db: Pool | PoolClient = this.pool): Promise<PaymentRow | null> {
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE uetr = $1', [uetr]);
    return rows[0] ?? null;
  }

  /** The payment if `participant` is its debtor (or, with `asCreditor`, its creditor); others see nothing. */
  async find(uetr: string, participant: string, asCreditor = false, db: Pool | PoolClient = this.pool): Promise<PaymentRow | null> {
    const column = asCreditor ? 'creditor_participant' : 'participant';
    const { rows } = await db.query<PaymentRow>(`SELECT * FROM payments WHERE uetr = $1 AND ${column} = $2`, [uetr, participant]);
    return rows[0] ?? null;
  }

  async timelines(uetrs: string[], db: Pool | PoolClient = this.pool): Promise<Map<string, TimelineRow[]>> {
    const { rows } = await db.query<TimelineRow>("SELECT uetr, status, reason, at FROM payment_timeline WHERE uetr = ANY($1::uuid[]) ORDER BY at, array_position(ARRAY['RECEIVED','HELD','SUBMITTED','SETTLED','REJECTED'], status)", [uetrs]);
    const out = new Map<string, TimelineRow[]>();
    for (const row of rows) out.set(row.uetr, [...(out.get(row.uetr) ?? []), row]);
    return out;
  }

  async list(q: { participant: string; asCreditor: boolean; status?: string; since?: string; limit: number; after?: { at: string; uetr: string } }): Promise<PaymentRow[]> {
    const column = q.asCreditor ? 'creditor_participant' : 'participant';
    const { rows } = await this.pool.query<PaymentRow>(
      `SELECT * FROM payments WHERE ${column} = $1
          AND ($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
          AND ($4::timestamptz IS NULL OR (created_at, uetr) > ($4::timestamptz, $5::uuid))
        ORDER BY created_at, uetr LIMIT $6`,
      [q.participant, q.status ?? null, q.since ?? null, q.after?.at ?? null, q.after?.uetr ?? null, q.limit],
    );
    return rows;
  }

  /** Applies a status event from settlement; returns false when it was already applied. */
  async applyStatus(tx: PoolClient, e: { uetr: string; status: string; reason?: string; at: Date; block?: { height: number; hash: string } }): Promise<boolean> {
    const inserted = await tx.query(
      'INSERT INTO payment_timeline (uetr, status, reason, at) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM payments WHERE uetr = $1) ON CONFLICT DO NOTHING',
      [e.uetr, e.status, e.reason ?? null, e.at],
    );
    if ((inserted.rowCount ?? 0) === 0) return false;
    await tx.query(
      `UPDATE payments SET status = $2, reason = $3, block_height = COALESCE($4, block_height), block_hash = COALESCE($5, block_hash), updated_at = now()
        WHERE uetr = $1 AND status NOT IN ('SETTLED', 'REJECTED')`,
      [e.uetr, e.status, e.reason ?? null, e.block?.height ?? null, e.block?.hash ?? null],
    );
    return true;
  }
}
