import { PoolClient } from '@nostro/platform';
import { PaymentStatus, SignedQuote } from '@nostro/shared';

export interface PaymentRow {
  uetr: string;
  participant: string;
  status: PaymentStatus;
}

export interface StatusChange {
  uetr: string;
  status: PaymentStatus;
  reason: string | null;
  at: Date;
  cause: string;
  blockHeight?: number;
  blockHash?: string;
  notAfter?: Date;
}

/** Settlement's SQL, and nothing else. Every method runs inside the caller's transaction. */
export class SettlementRepository {
  async insertReceived(tx: PoolClient, p: { uetr: string; participant: string; quote: SignedQuote; acceptedAt: Date }): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, status, accepted_at)
       VALUES ($1, $2, $3, $4, $5, 'RECEIVED', $6) ON CONFLICT (uetr) DO NOTHING`,
      [p.uetr, p.participant, p.quote.creditorParticipant, p.quote.id, JSON.stringify(p.quote), p.acceptedAt],
    );
    if ((rowCount ?? 0) === 0) return false;
    await tx.query(`INSERT INTO payment_events (uetr, status, at, cause) VALUES ($1, 'RECEIVED', $2, 'payment intent')`, [p.uetr, p.acceptedAt]);
    return true;
  }

  /** Records the quote's use; false when another payment already used it. */
  async useQuote(tx: PoolClient, quoteId: string, uetr: string): Promise<boolean> {
    const { rowCount } = await tx.query('INSERT INTO quote_uses (quote_id, uetr) VALUES ($1, $2) ON CONFLICT DO NOTHING', [quoteId, uetr]);
    return (rowCount ?? 0) > 0;
  }

  async applyChanges(tx: PoolClient, changes: StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.query(
      `UPDATE payments p SET status = c.status, reason = c.reason, block_height = COALESCE(c.height, p.block_height),
              block_hash = COALESCE(c.hash, p.block_hash), not_after = COALESCE(c.not_after, p.not_after)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[])
              AS c(uetr, status, reason, height, hash, not_after)
        WHERE p.uetr = c.uetr`,
      [
        changes.map((c) => c.uetr),
        changes.map((c) => c.status),
        changes.map((c) => c.reason),
        changes.map((c) => c.blockHeight ?? null),
        changes.map((c) => c.blockHash ?? null),
        changes.map((c) => c.notAfter ?? null),
      ],
    );
    await tx.query(
      `INSERT INTO payment_events (uetr, status, reason, at, cause)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])`,
      [changes.map((c) => c.uetr), changes.map((c) => c.status), changes.map((c) => c.reason), changes.map((c) => c.at), changes.map((c) => c.cause)],
    );
  }

  async lockPayments(tx: PoolClient, uetrs: string[]): Promise<PaymentRow[]> {
    if (uetrs.length === 0) return [];
    const { rows } = await tx.query<PaymentRow>(
      'SELECT uetr, participant, status FROM payments WHERE uetr = ANY($1::uuid[]) ORDER BY uetr FOR UPDATE',
      [uetrs],
    );
    return rows;
  }

  async insertRequest(tx: PoolClient, r: { requestId: string; kind: string; participant: string | null; payload: unknown }): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO ledger_requests (request_id, kind, participant, payload, status) VALUES ($1, $2, $3, $4, 'SUBMITTED')
       ON CONFLICT DO NOTHING`,
      [r.requestId, r.kind, r.participant, JSON.stringify(r.payload)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Final outcome of ledger requests still SUBMITTED; returns those that changed. */
  async finishRequests(tx: PoolClient, outcomes: { id: string; status: string; reason: string | null }[], height: number): Promise<{ id: string; status: 'SETTLED' | 'REJECTED'; reason: string | null }[]> {
    if (outcomes.length === 0) return [];
    const { rows } = await tx.query<{ request_id: string; status: 'SETTLED' | 'REJECTED'; reason: string | null }>(
      `UPDATE ledger_requests r SET status = o.status, reason = o.reason, block_height = $4, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[]) AS o(id, status, reason)
        WHERE r.request_id = o.id AND r.status = 'SUBMITTED'
        RETURNING r.request_id, r.status, r.reason`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.status), outcomes.map((o) => o.reason), height],
    );
    return rows.map((r) => ({ id: r.request_id, status: r.status, reason: r.reason }));
  }

  async markBlockFinal(tx: PoolClient, height: number, hash: string): Promise<boolean> {
    const { rowCount } = await tx.query('INSERT INTO finalized_blocks (height, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [height, hash]);
    return (rowCount ?? 0) > 0;
  }
}
