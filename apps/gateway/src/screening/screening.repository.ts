import { Pool, PoolClient, CURSOR_AT_SQL, TimeKeyset } from '@nostro/platform';
import { PARTICIPANTS_CHANGED_CHANNEL } from '../participants/participants.repository';

export interface LimitsRow {
  participant: string;
  currency: string;
  max_amount_minor: string | null;
  velocity_count: number | null;
  velocity_amount_minor: string | null;
  velocity_window_s: number | null;
  updated_at: Date;
}

export interface HitRow {
  id: string;
  uetr: string | null;
  participant: string;
  action: 'reject' | 'hold';
  reason: string;
  matched: Record<string, unknown>;
  created_at: Date;
}

/** Screening limits and the record of screening decisions. SQL only. */
export class ScreeningRepository {
  constructor(private readonly pool: Pool) {}

  async limits(participant: string, currency: string, db: Pool | PoolClient = this.pool): Promise<LimitsRow | null> {
    const { rows } = await db.query<LimitsRow>('SELECT * FROM screening_limits WHERE participant = $1 AND currency = $2', [participant, currency]);
    return rows[0] ?? null;
  }

  async allLimits(participant: string): Promise<LimitsRow[]> {
    const { rows } = await this.pool.query<LimitsRow>('SELECT * FROM screening_limits WHERE participant = $1 ORDER BY currency', [participant]);
    return rows;
  }

  async setLimits(row: Omit<LimitsRow, 'updated_at'>): Promise<LimitsRow> {
    const { rows } = await this.pool.query<LimitsRow>(
      `INSERT INTO screening_limits (participant, currency, max_amount_minor, velocity_count, velocity_amount_minor, velocity_window_s)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (participant, currency) DO UPDATE SET max_amount_minor = $3, velocity_count = $4, velocity_amount_minor = $5,
         velocity_window_s = $6, updated_at = now()
       RETURNING *`,
      [row.participant, row.currency, row.max_amount_minor, row.velocity_count, row.velocity_amount_minor, row.velocity_window_s],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [PARTICIPANTS_CHANGED_CHANNEL, row.participant]);
    return rows[0];
  }

  /**
   * Serialises the intake of one participant's payments for the rest of `tx`, so two concurrent payments cannot
   * both pass a velocity limit that only one of them fits in.
   */
  async lockParticipant(tx: PoolClient, participant: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('gateway-velocity:' || $1))`, [participant]);
  }

  /** Payments (not rejected) of `participant` in `currency` over the last `windowS` seconds. */
  async velocity(tx: PoolClient, participant: string, currency: string, windowS: number): Promise<{ count: number; sumMinor: bigint }> {
    const { rows } = await tx.query<{ count: bigint; sum: string | null }>(
      `SELECT count(*) AS count, sum(total_debit_minor)::text AS sum FROM payments
        WHERE participant = $1 AND source_currency = $2 AND status <> 'REJECTED' AND created_at > now() - make_interval(secs => $3)`,
      [participant, currency, windowS],
    );
    return { count: Number(rows[0].count), sumMinor: BigInt(rows[0].sum ?? '0') };
  }

  async recordHit(hit: Omit<HitRow, 'created_at'>, db: Pool | PoolClient = this.pool): Promise<void> {
    await db.query('INSERT INTO screening_hits (id, uetr, participant, action, reason, matched) VALUES ($1, $2, $3, $4, $5, $6)', [
      hit.id,
      hit.uetr,
      hit.participant,
      hit.action,
      hit.reason,
      JSON.stringify(hit.matched),
    ]);
  }

  async hits(q: { participant?: string; limit: number; after?: TimeKeyset }): Promise<(HitRow & { cursor_at: string })[]> {
    const { rows } = await this.pool.query<HitRow & { cursor_at: string }>(
      `SELECT *, ${CURSOR_AT_SQL('created_at')} AS cursor_at FROM screening_hits WHERE ($1::text IS NULL OR participant = $1)
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [q.participant ?? null, q.after?.at ?? null, q.after?.id ?? null, q.limit],
    );
    return rows;
  }
}
