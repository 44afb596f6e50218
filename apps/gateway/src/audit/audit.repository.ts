import { AuditAppend, AuditChainRow, Pool, appendAuditEntry } from '@nostro/platform';

export type { AuditAppend };

const COLUMNS = `id::text, seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, operator_id::text, operator_name,
  operator_role, action, target, outcome, http_status::text, detail::text, correlation_id, remote_addr, prev_hash, hash`;

/**
 * The operator audit log (ops_audit_log, shared with the ops console): append-only and hash-chained by the
 * database itself (migration …_audit-chain.sql). SQL only.
 */
export class AuditRepository {
  constructor(private readonly pool: Pool) {}

  append(e: AuditAppend): Promise<void> {
    return appendAuditEntry(this.pool, e);
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
