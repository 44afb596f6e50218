import { Pool } from '@nostro/platform';

/** What the gateway knows of a ledger transaction that the ledger does not: the references a bank reconciles by. */
export interface EntryReferences {
  /** uetr → the payment's endToEndId. */
  endToEndIds: Map<string, string>;
  /** transaction id of a deposit or withdrawal → the operator's reference. */
  transferReferences: Map<string, string>;
}

/** Reads joined into account entries (the ledger holds pseudonymous accounts and amounts only). */
export class StatementsRepository {
  constructor(private readonly pool: Pool) {}

  /** End-to-end ids of the payments `uetrs`, and references of the deposits and withdrawals `transferIds`. */
  async references(uetrs: readonly string[], transferIds: readonly string[]): Promise<EntryReferences> {
    const [payments, transfers] = await Promise.all([
      uetrs.length === 0
        ? { rows: [] as { uetr: string; end_to_end_id: string }[] }
        : this.pool.query<{ uetr: string; end_to_end_id: string }>('SELECT uetr::text, end_to_end_id FROM payments WHERE uetr = ANY($1::uuid[])', [uetrs]),
      transferIds.length === 0
        ? { rows: [] as { request_id: string; reference: string | null }[] }
        : this.pool.query<{ request_id: string; reference: string | null }>(
            `SELECT request_id::text, payload->>'reference' AS reference FROM admin_requests
              WHERE request_id = ANY($1::uuid[]) AND kind IN ('deposit', 'withdrawal')`,
            [transferIds],
          ),
    ]);
    return {
      endToEndIds: new Map(payments.rows.map((r) => [r.uetr, r.end_to_end_id])),
      transferReferences: new Map(transfers.rows.filter((r) => r.reference !== null).map((r) => [r.request_id, r.reference as string])),
    };
  }
}
