import { createHash } from 'node:crypto';
import type { Pool } from './db';

/** One entry of the operator audit log as stored (text columns exactly as the database renders them). */
export interface AuditChainRow {
  id: string;
  seq: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC. */
  at: string;
  operator_id: string | null;
  operator_name: string | null;
  operator_role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  http_status: string | null;
  /** jsonb in its canonical text form. */
  detail: string;
  correlation_id: string | null;
  remote_addr: string | null;
  prev_hash: string;
  hash: string;
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The text an entry's hash covers: the same fields, order and separators as the database's ops_audit_log_text(). */
export function auditEntryText(e: AuditChainRow): string {
  const v = (value: string | null) => value ?? '\\N';
  return [
    e.seq,
    e.at,
    v(e.operator_id),
    v(e.operator_name),
    v(e.operator_role),
    e.action,
    v(e.target),
    e.outcome,
    v(e.http_status),
    e.detail,
    v(e.correlation_id),
    v(e.remote_addr),
    e.prev_hash,
  ].join('\x1f');
}

export interface AuditChainBreak {
  seq: string;
  id: string;
  reason: 'sequence_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
}

/**
 * Checks a stretch of the chain in sequence order: numbers follow one another, each entry names the hash of the
 * one before (the first of the log names 64 zeros), and each hash is the SHA-256 of the entry's text. `before` is
 * the entry preceding the stretch (null at the start of the log). Answers the first broken entry, or null.
 */
export function verifyAuditChain(rows: readonly AuditChainRow[], before: { seq: string; hash: string } | null = null): AuditChainBreak | null {
  let prev = before;
  for (const row of rows) {
    const expectedSeq = prev ? BigInt(prev.seq) + 1n : 1n;
    if (BigInt(row.seq) !== expectedSeq) return { seq: row.seq, id: row.id, reason: 'sequence_gap' };
    if (row.prev_hash !== (prev?.hash ?? AUDIT_GENESIS_HASH)) return { seq: row.seq, id: row.id, reason: 'prev_hash_mismatch' };
    if (createHash('sha256').update(auditEntryText(row), 'utf8').digest('hex') !== row.hash) return { seq: row.seq, id: row.id, reason: 'hash_mismatch' };
    prev = { seq: row.seq, hash: row.hash };
  }
  return null;
}

/** One operator call as the audit records it (the database adds the time, sequence number and hashes). */
export interface AuditAppend {
  operator: { id: string; name: string; role: string } | null;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused' | 'denied' | 'failed';
  httpStatus: number | null;
  detail: Record<string, unknown>;
  correlationId: string | null;
  /** Where the call came from, when the writer knows it. */
  remoteAddr?: string | null;
}

/**
 * Appends an entry to `ops_audit_log`, the one audit chain the gateway's operator API and the ops console share; the
 * database's trigger chains it (migration …_audit-chain.sql).
 */
export async function appendAuditEntry(pool: Pool, e: AuditAppend): Promise<void> {
  await pool.query(
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
      e.remoteAddr ?? null,
    ],
  );
}
