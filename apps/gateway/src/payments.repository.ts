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

/** A payment the gateway accepts (or rejects itself, after screening). */
export interface NewPayment {
  uetr: string;
  participant: string;
  quote: SignedQuote;
  request: PaymentRequest;
  at: Date;
  totalDebitMinor: bigint;
  rejected?: { reason: string };
}

/** The gateway's payments read model: what banks see. */
export class PaymentsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records an accepted payment and its first timeline entry (`RECEIVED`). A payment the gateway itself rejects
   * (screening) is recorded with its final status in the same statement, so no reader sees it half-made.
   */
  async insert(tx: PoolClient, p: NewPayment): Promise<PaymentRow> {
    const [row] = await this.insertMany(tx, [p]);
    return row;
  }

  /** {@link insert} for many payments in three statements, whatever their number (batches); rows in input order. */
  async insertMany(tx: PoolClient, list: readonly NewPayment[]): Promise<PaymentRow[]> {
    if (list.length === 0) return [];
    const { rows } = await tx.query<PaymentRow>(
      `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, end_to_end_id, debtor, creditor, remittance_info, status, reason,
                             created_at, source_currency, total_debit_minor)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[], $10::text[], $11::text[],
                            $12::timestamptz[], $13::text[], $14::bigint[])
       RETURNING *`,
      [
        list.map((p) => p.uetr),
        list.map((p) => p.participant),
        list.map((p) => p.quote.creditorParticipant),
        list.map((p) => p.quote.id),
        list.map((p) => JSON.stringify(p.quote)),
        list.map((p) => p.request.endToEndId),
        list.map((p) => JSON.stringify(p.request.debtor)),
        list.map((p) => JSON.stringify(p.request.creditor)),
        list.map((p) => p.request.remittanceInfo ?? null),
        list.map((p) => (p.rejected ? 'REJECTED' : 'RECEIVED')),
        list.map((p) => p.rejected?.reason ?? null),
        list.map((p) => p.at),
        list.map((p) => p.quote.sourceCurrency),
        list.map((p) => p.totalDebitMinor.toString()),
      ],
    );
    const timeline = list.flatMap((p) => [
      { uetr: p.uetr, status: 'RECEIVED', reason: null as string | null, at: p.at },
      ...(p.rejected ? [{ uetr: p.uetr, status: 'REJECTED', reason: p.rejected.reason as string | null, at: p.at }] : []),
    ]);
    await tx.query(`INSERT INTO payment_timeline (uetr, status, reason, at) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])`, [
      timeline.map((t) => t.uetr),
      timeline.map((t) => t.status),
      timeline.map((t) => t.reason),
      timeline.map((t) => t.at),
    ]);
    const byUetr = new Map(rows.map((r) => [r.uetr, r]));
    return list.map((p) => byUetr.get(p.uetr) as PaymentRow);
  }

  /** The payments among `uetrs` whose debtor is `participant` (a retried batch finds what it already accepted). */
  async findMany(uetrs: readonly string[], participant: string, db: Pool | PoolClient = this.pool): Promise<Map<string, PaymentRow>> {
    if (uetrs.length === 0) return new Map();
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE uetr = ANY($1::uuid[]) AND participant = $2', [uetrs, participant]);
    return new Map(rows.map((r) => [r.uetr, r]));
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
