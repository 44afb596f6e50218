import { Pool, PoolClient, withTransaction, TimeKeyset } from '@nostro/platform';
import { PaymentFilter } from './ops-query';

/** One line of the console's payment lists (no customer data: names and accounts stay out of lists). */
export interface PaymentSummaryRow {
  uetr: string;
  end_to_end_id: string;
  status: string;
  reason: string | null;
  participant: string;
  creditor_participant: string;
  source_currency: string;
  target_currency: string;
  send_amount: string;
  receive_amount: string;
  total_debit: string;
  block_height: bigint | null;
  /** ISO 8601 with microseconds, UTC: exact, so it can serve as the keyset cursor. */
  created_at_iso: string;
  updated_at: Date;
  /** A QUEUED payment's queue deadline (block time); null otherwise. */
  queued_until: Date | null;
  /** A RESERVED payment's escrow deadline (block time); before the ledger set it, its condition's own expiry. */
  reserved_until: Date | null;
  condition_expires_at: Date | null;
}

const SUMMARY_COLUMNS = `uetr, end_to_end_id, status, reason, participant, creditor_participant,
  quote ->> 'sourceCurrency' AS source_currency, quote ->> 'targetCurrency' AS target_currency,
  quote ->> 'sendAmount' AS send_amount, quote ->> 'receiveAmount' AS receive_amount, quote ->> 'totalDebit' AS total_debit,
  block_height, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_iso, updated_at,
  queued_until, reserved_until, condition_expires_at`;

/** Builds `WHERE` conditions with numbered parameters. */
class Conditions {
  readonly sql: string[] = [];
  constructor(readonly params: unknown[]) {}

  add(template: (p: (value: unknown) => string) => string): void {
    this.sql.push(
      template((value) => {
        this.params.push(value);
        return `$${this.params.length}`;
      }),
    );
  }

  where(extra: string[] = []): string {
    const all = [...this.sql, ...extra];
    return all.length === 0 ? '' : `WHERE ${all.join(' AND ')}`;
  }
}

/**
 * The console's reads of the gateway's payments (read only). Lists are newest first with keyset pagination on
 * (created_at, uetr), and every filter is served by an index (ops-console migration): no OFFSET, no count(*).
 */
export class OpsPaymentsRepository {
  constructor(
    private readonly pool: Pool,
    private readonly queryTimeoutMs: number,
  ) {}

  /** Runs read-only statements with the console's statement timeout, so no filter can hold a connection long. */
  private read<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn, { readOnly: true, statementTimeoutMs: this.queryTimeoutMs });
  }

  async list(f: PaymentFilter, after: TimeKeyset | undefined, limit: number): Promise<PaymentSummaryRow[]> {
    const params: unknown[] = [];
    const c = new Conditions(params);
    if (f.status) c.add((p) => `status = ${p(f.status)}`);
    if (f.sourceCurrency) c.add((p) => `source_currency = ${p(f.sourceCurrency)}`);
    if (f.targetCurrency) c.add((p) => `quote ->> 'targetCurrency' = ${p(f.targetCurrency)}`);
    if (f.from) c.add((p) => `created_at >= ${p(f.from)}::timestamptz`);
    if (f.to) c.add((p) => `created_at < ${p(f.to)}::timestamptz`);
    if (f.uetr) c.add((p) => `uetr = ${p(f.uetr)}::uuid`);
    if (f.endToEndId) c.add((p) => `end_to_end_id = ${p(f.endToEndId)}`);
    if (after) c.add((p) => `(created_at, uetr) < (${p(after.at)}::timestamptz, ${p(after.id)}::uuid)`);
    const order = 'ORDER BY created_at DESC, uetr DESC';
    const lim = `$${params.push(limit)}`;
    let sql: string;
    if (!f.participant) {
      sql = `SELECT ${SUMMARY_COLUMNS} FROM payments ${c.where()} ${order} LIMIT ${lim}`;
    } else {
      const who = `$${params.push(f.participant)}`;
      const part = (column: string, notDebtor: boolean) =>
        `(SELECT ${SUMMARY_COLUMNS}, created_at AS k1 FROM payments ${c.where([`${column} = ${who}`, ...(notDebtor ? [`participant <> ${who}`] : [])])} ${order} LIMIT ${lim})`;
      const parts =
        f.side === 'debtor'
          ? [part('participant', false)]
          : f.side === 'creditor'
            ? [part('creditor_participant', false)]
            : [part('participant', false), part('creditor_participant', true)];
      sql = `SELECT * FROM (${parts.join(' UNION ALL ')}) p ORDER BY k1 DESC, uetr DESC LIMIT ${lim}`;
    }
    return this.read(async (db) => (await db.query<PaymentSummaryRow>(sql, params)).rows);
  }

  async summaries(uetrs: string[]): Promise<PaymentSummaryRow[]> {
    if (uetrs.length === 0) return [];
    const { rows } = await this.pool.query<PaymentSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM payments WHERE uetr = ANY($1::uuid[])`, [uetrs]);
    return rows;
  }

  /** A participant's latest payments, as debtor or creditor. */
  async recentFor(participant: string, limit: number): Promise<PaymentSummaryRow[]> {
    return this.list({ participant, side: 'either', limit }, undefined, limit);
  }

  /** Operator requests (deposits, withdrawals, limits, suspensions, decisions) about a participant, newest first. */
  async adminRequests(participant: string, limit: number) {
    const { rows } = await this.pool.query<{
      request_id: string;
      kind: string;
      status: string;
      reason: string | null;
      payload: Record<string, unknown>;
      block_height: bigint | null;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT request_id, kind, status, reason, payload, block_height, created_at, updated_at FROM admin_requests
        WHERE participant = $1 ORDER BY created_at DESC LIMIT $2`,
      [participant, limit],
    );
    return rows;
  }

  /**
   * The hold threshold in force per currency as the gateway learnt it: the latest limits request the ledger made
   * final (the net debit cap itself is read from the validators).
   */
  async limitsInForce(participant: string): Promise<Map<string, { holdAboveMinor: string | null }>> {
    const { rows } = await this.pool.query<{ currency: string; hold_above_minor: string | null }>(
      `SELECT DISTINCT ON (payload ->> 'currency') payload ->> 'currency' AS currency, payload ->> 'holdAboveMinor' AS hold_above_minor
         FROM admin_requests WHERE participant = $1 AND kind = 'limits' AND status = 'SETTLED'
        ORDER BY payload ->> 'currency', block_height DESC NULLS LAST, updated_at DESC`,
      [participant],
    );
    return new Map(rows.map((r) => [r.currency, { holdAboveMinor: r.hold_above_minor }]));
  }

  /**
   * Payments in flight by status, how long the oldest held one has waited, and when the first escrow (RESERVED,
   * API.md "Conditional payments") goes back to its debtor unless fulfilled.
   */
  async inFlight(): Promise<{ counts: Record<string, number>; oldestHeldAt: Date | null; nextEscrowExpiry: Date | null }> {
    const { rows } = await this.pool.query<{ status: string; n: string; oldest: Date | null; next_expiry: Date | null }>(
      `SELECT status, count(*)::text AS n, min(created_at) AS oldest, min(coalesce(reserved_until, condition_expires_at)) AS next_expiry FROM payments
        WHERE status IN ('RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'RESERVED') GROUP BY status`,
    );
    const counts: Record<string, number> = { RECEIVED: 0, HELD: 0, SUBMITTED: 0, QUEUED: 0, RESERVED: 0 };
    let oldestHeldAt: Date | null = null;
    let nextEscrowExpiry: Date | null = null;
    for (const r of rows) {
      counts[r.status] = Number(r.n);
      if (r.status === 'HELD') oldestHeldAt = r.oldest;
      if (r.status === 'RESERVED') nextEscrowExpiry = r.next_expiry;
    }
    return { counts, oldestHeldAt, nextEscrowExpiry };
  }
}
