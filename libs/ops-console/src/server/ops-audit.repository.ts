import { Pool, appendAuditEntry } from '@nostro/platform';
import { OperatorRole } from '@nostro/shared';

export type AuditOutcome = 'ok' | 'refused' | 'denied' | 'failed';

export interface AuditEntry {
  operator: { id: string; name: string; role: OperatorRole } | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  httpStatus: number | null;
  detail: Record<string, unknown>;
  correlationId: string | null;
}

export interface AuditRow {
  id: string;
  at: Date;
  operator_id: string | null;
  operator_name: string | null;
  operator_role: OperatorRole | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  http_status: number | null;
  detail: Record<string, unknown>;
  correlation_id: string | null;
}

/** The console's audit log (ops_audit_log, append-only in the schema). SQL only. */
export class OpsAuditRepository {
  constructor(private readonly pool: Pool) {}

  append(e: AuditEntry): Promise<void> {
    return appendAuditEntry(this.pool, e);
  }

  /**
   * Newest first, strictly before the id cursor; optional filters by operator, action prefix and target. (The id
   * goes out as text, so the order names the table's bigint column, not the text alias.)
   */
  async list(q: { limit: number; beforeId?: string; operatorId?: string; action?: string; target?: string }): Promise<AuditRow[]> {
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT id::text AS id, at, operator_id, operator_name, operator_role, action, target, outcome, http_status, detail, correlation_id
         FROM ops_audit_log
        WHERE ($1::bigint IS NULL OR id < $1) AND ($2::uuid IS NULL OR operator_id = $2)
          AND ($3::text IS NULL OR action LIKE $3 || '%') AND ($4::text IS NULL OR target = $4)
        ORDER BY ops_audit_log.id DESC LIMIT $5`,
      [q.beforeId ?? null, q.operatorId ?? null, q.action ?? null, q.target ?? null, q.limit],
    );
    return rows;
  }
}
