import { PoolClient } from '@nostro/platform';
import { Decision, DecisionRefusal } from '@nostro/shared';

export interface DecisionRecord {
  requestId: string;
  uetr: string;
  operatorId: string;
  operatorName: string;
  decision: Decision;
  comment: string | null;
  refusal: DecisionRefusal | null;
  decidedAt: Date;
}

/** Operators' decisions on held payments (payment_decisions): SQL only, in the caller's transaction. */
export class DecisionRepository {
  async seen(tx: PoolClient, requestId: string): Promise<boolean> {
    const { rowCount } = await tx.query('SELECT 1 FROM payment_decisions WHERE request_id = $1', [requestId]);
    return (rowCount ?? 0) > 0;
  }

  /** Decisions recorded for a payment (one per operator, enforced by a unique index). */
  async recorded(tx: PoolClient, uetr: string): Promise<{ operatorId: string; decision: Decision }[]> {
    const { rows } = await tx.query<{ operator_id: string; decision: Decision }>(
      `SELECT operator_id, decision FROM payment_decisions WHERE uetr = $1 AND outcome = 'recorded' ORDER BY recorded_at`,
      [uetr],
    );
    return rows.map((r) => ({ operatorId: r.operator_id, decision: r.decision }));
  }

  async insert(tx: PoolClient, d: DecisionRecord): Promise<void> {
    await tx.query(
      `INSERT INTO payment_decisions (request_id, uetr, operator_id, operator_name, decision, comment, outcome, refusal, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [d.requestId, d.uetr, d.operatorId, d.operatorName, d.decision, d.comment, d.refusal ? 'refused' : 'recorded', d.refusal, d.decidedAt],
    );
  }
}
