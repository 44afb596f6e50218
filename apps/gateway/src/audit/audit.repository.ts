import { AuditChainRow, Pool } from '@nostro/platform';

/** One operator call as the audit records it (the database adds the time, sequence number and hashes). */
export interface AuditAppend {
  operator: { id: string; name: string; role: string } | null;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused' | 'denied' | 'failed';
  httpStatus: number;
  detail: Record<string, unknown>;
  correlationId: string | null;
  remoteAddr: string | null;
}

const COLUMNS = `id::text, seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, operator_id::text, operator_name,
  operator_role, action, target, outcome, http_status::text, detail::text, correlation_id, remote_addr, prev_hash, hash`;

/**
 * The operator audit log (ops_audit_log, shared with the ops console): append-only and hash-chained by the
 * database itself (migration …_audit-chain.sql). SQL only.
 */
export class AuditRepository {
  constructor(private readonly pool: Pool) {}

  async append(e: AuditAppend): Promise<void> {
    await this.pool.query(
      `INSERT INTO ops_audit_log (operator_id, operator_name, operator_role, action, target, outcome, http_status, detail, correlation_id, remote_addr)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        e.operator?.id ?? null,
        e.operator?.name ?? null,
        e.operator?.role ?? null,
        e.action,
        e.target,
        e.outcome,
        e.httpStatus,
        JSON.stringify(e.detail),
        e.correlationId,
        e.remoteAddr,
      ],
    );
  }

  /** Newest first, before sequence number `beforeSeq`. */
  async page(limit: number, beforeSeq?: string): Promise<AuditChainRow[]> {
    const { rows } = await this.pool.query<AuditChainRow>(
      `SELECT ${COLUMNS} FROM ops_audit_log WHERE ($1::bigint IS NULL OR seq < $1) ORDER BY ops_audit_log.seq DESC LIMIT $2`,
      [beforeSeq ?? null, limit],
    );
    return rows;
  }

  /** Chain order, from sequence number `fromSeq` on (for verification). */
  async chain(fromSeq: bigint, limit: number): Promise<AuditChainRow[]> {
    const { rows } = await this.pool.query<AuditChainRow>(`SELECT ${COLUMNS} FROM ops_audit_log WHERE seq >= $1 ORDER BY ops_audit_log.seq LIMIT $2`, [
      fromSeq.toString(),
      limit,
    ]);
    return rows;
  }
}
