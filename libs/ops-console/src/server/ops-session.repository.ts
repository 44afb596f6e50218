import { Pool } from '@nostro/platform';
import { OperatorRole } from '@nostro/shared';

export interface SessionRow {
  operatorId: string;
  operatorName: string;
  role: OperatorRole;
  sealedToken: string;
  createdAt: Date;
  expiresAt: Date;
  /** Why the session no longer counts, or null while it does (decided by the database clock). */
  ended: 'signed_out' | 'expired' | 'idle' | 'operator_revoked' | null;
}

const PURGE_BATCH = 1_000;

/** Console sessions (ops_sessions). SQL only; every time comparison uses the database's clock. */
export class OpsSessionRepository {
  constructor(private readonly pool: Pool) {}

  async insert(s: { idHash: string; operatorId: string; sealedToken: string; ttlMs: number }): Promise<Date> {
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `INSERT INTO ops_sessions (id_hash, operator_id, sealed_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4 / 1000.0))
       RETURNING expires_at`,
      [s.idHash, s.operatorId, s.sealedToken, s.ttlMs],
    );
    return rows[0].expires_at;
  }

  async find(idHash: string, idleMs: number): Promise<SessionRow | null> {
    const { rows } = await this.pool.query<{
      operator_id: string;
      name: string;
      role: OperatorRole;
      sealed_token: string;
      created_at: Date;
      expires_at: Date;
      ended: SessionRow['ended'];
    }>(
      `SELECT s.operator_id, o.name, o.role, s.sealed_token, s.created_at, s.expires_at,
              CASE WHEN s.ended_at IS NOT NULL THEN 'signed_out'
                   WHEN o.revoked_at IS NOT NULL THEN 'operator_revoked'
                   WHEN s.expires_at <= now() THEN 'expired'
                   WHEN s.last_seen_at <= now() - make_interval(secs => $2 / 1000.0) THEN 'idle' END AS ended
         FROM ops_sessions s JOIN operators o ON o.id = s.operator_id
        WHERE s.id_hash = $1`,
      [idHash, idleMs],
    );
    const r = rows[0];
    return r
      ? {
          operatorId: r.operator_id,
          operatorName: r.name,
          role: r.role,
          sealedToken: r.sealed_token,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          ended: r.ended,
        }
      : null;
  }

  /** Marks the session used now (at most one write per `throttleMs`, so reads do not turn into writes). */
  async touch(idHash: string, throttleMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE ops_sessions SET last_seen_at = now()
        WHERE id_hash = $1 AND ended_at IS NULL AND last_seen_at < now() - make_interval(secs => $2 / 1000.0)`,
      [idHash, throttleMs],
    );
  }

  async end(idHash: string): Promise<void> {
    await this.pool.query('UPDATE ops_sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL', [idHash]);
  }

  /** The hashes among `idHashes` whose sessions still count (for the live streams' periodic re-check). */
  async stillValid(idHashes: string[], idleMs: number): Promise<Set<string>> {
    if (idHashes.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id_hash: string }>(
      `SELECT s.id_hash FROM ops_sessions s JOIN operators o ON o.id = s.operator_id
        WHERE s.id_hash = ANY($1::text[]) AND s.ended_at IS NULL AND o.revoked_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(secs => $2 / 1000.0)`,
      [idHashes, idleMs],
    );
    return new Set(rows.map((r) => r.id_hash));
  }

  /** Deletes sessions that ended more than a week ago, a bounded batch at a time. */
  async purge(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ops_sessions WHERE id_hash IN (
         SELECT id_hash FROM ops_sessions WHERE expires_at < now() - interval '7 days' OR ended_at < now() - interval '7 days' LIMIT $1)`,
      [PURGE_BATCH],
    );
    return rowCount ?? 0;
  }
}
