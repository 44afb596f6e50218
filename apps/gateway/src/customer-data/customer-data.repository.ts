import { Pool, PoolClient, withTransaction } from '@nostro/platform';

/** A payment's customer data as stored (docs/security.md): sealed, plus the clear columns of rows written before. */
export interface PartyColumns {
  uetr: string;
  parties: Buffer | null;
  pii_dek: Buffer | null;
  pii_kek_id: string | null;
  pii_erased_at: Date | null;
  /** Only on rows written before encryption at rest and not sealed yet. */
  debtor: { name: string; account: string } | null;
  creditor: { name: string; account: string } | null;
  remittance_info: string | null;
}

export interface KekRow {
  kek_id: string;
  check_value: Buffer;
  retired_at: Date | null;
}

/** Payments whose status no longer changes: the only ones whose customer data may be erased. */
const FINAL = `('SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED')`;
export const PARTY_COLUMNS = 'uetr::text, parties, pii_dek, pii_kek_id, pii_erased_at, debtor, creditor, remittance_info';

/** Customer data at rest: key checks, re-wrapping, sealing rows written before, erasure. SQL only. */
export class CustomerDataRepository {
  constructor(private readonly pool: Pool) {}

  keks(): Promise<KekRow[]> {
    return this.pool.query<KekRow>('SELECT kek_id, check_value, retired_at FROM pii_keks ORDER BY created_at, kek_id').then((r) => r.rows);
  }

  /** Records a KEK's check value unless its id is known; answers the check value stored for that id. */
  async recordKek(kekId: string, checkValue: Buffer): Promise<Buffer> {
    await this.pool.query('INSERT INTO pii_keks (kek_id, check_value) VALUES ($1, $2) ON CONFLICT (kek_id) DO NOTHING', [kekId, checkValue]);
    const { rows } = await this.pool.query<{ check_value: Buffer }>('SELECT check_value FROM pii_keks WHERE kek_id = $1', [kekId]);
    return rows[0].check_value;
  }

  /** A KEK in use again (it is current somewhere) is no longer retired. */
  async unretire(kekId: string): Promise<void> {
    await this.pool.query('UPDATE pii_keks SET retired_at = NULL WHERE kek_id = $1 AND retired_at IS NOT NULL', [kekId]);
  }

  /** KEKs that no data key is wrapped by any more (a whole pass of the table found none). */
  async retire(kekIds: readonly string[]): Promise<void> {
    if (kekIds.length === 0) return;
    await this.pool.query('UPDATE pii_keks SET retired_at = now() WHERE kek_id = ANY($1::text[]) AND retired_at IS NULL', [kekIds]);
  }

  /** The customer data of these payments, whoever their participants are (for the webhook dispatcher). */
  async partiesOf(uetrs: readonly string[]): Promise<Map<string, PartyColumns>> {
    if (uetrs.length === 0) return new Map();
    const { rows } = await this.pool.query<PartyColumns>(`SELECT ${PARTY_COLUMNS} FROM payments WHERE uetr = ANY($1::uuid[])`, [uetrs]);
    return new Map(rows.map((r) => [r.uetr, r]));
  }

  /**
   * Up to `limit` payments after `after` (uetr order) whose data key is wrapped by another KEK than `current`, locked;
   * `work` re-wraps them in the same transaction. Answers how many and the last uetr looked at (null: the end).
   */
  async rewrapBatch(
    current: string,
    after: string | null,
    limit: number,
    work: (rows: { uetr: string; pii_dek: Buffer; pii_kek_id: string }[]) => { uetr: string; wrapped: Buffer; kekId: string }[],
  ): Promise<{ count: number; last: string | null }> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ uetr: string; pii_dek: Buffer; pii_kek_id: string }>(
        `SELECT uetr::text, pii_dek, pii_kek_id FROM payments
          WHERE ($1::uuid IS NULL OR uetr > $1::uuid) AND pii_dek IS NOT NULL AND pii_kek_id <> $2
          ORDER BY uetr LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [after, current, limit],
      );
      const updates = work(rows);
      if (updates.length > 0) {
        await tx.query(
          `UPDATE payments p SET pii_dek = u.wrapped, pii_kek_id = u.kek FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS u(uetr, wrapped, kek)
            WHERE p.uetr = u.uetr AND p.pii_dek IS NOT NULL`,
          [updates.map((u) => u.uetr), updates.map((u) => u.wrapped), updates.map((u) => u.kekId)],
        );
      }
      return { count: updates.length, last: rows.length < limit ? null : rows[rows.length - 1].uetr };
    });
  }

  /** Up to `limit` rows written before encryption at rest, locked; `work` seals them in the same transaction. */
  async sealLegacyBatch(limit: number, work: (rows: PartyColumns[]) => { uetr: string; parties: Buffer; dek: Buffer; kekId: string }[]): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<PartyColumns>(
        `SELECT ${PARTY_COLUMNS} FROM payments WHERE parties IS NULL AND debtor IS NOT NULL AND pii_erased_at IS NULL LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const sealed = work(rows);
      if (sealed.length > 0) {
        await tx.query(
          `UPDATE payments p SET parties = s.parties, pii_dek = s.dek, pii_kek_id = s.kek, debtor = NULL, creditor = NULL, remittance_info = NULL
             FROM unnest($1::uuid[], $2::bytea[], $3::bytea[], $4::text[]) AS s(uetr, parties, dek, kek) WHERE p.uetr = s.uetr`,
          [sealed.map((s) => s.uetr), sealed.map((s) => s.parties), sealed.map((s) => s.dek), sealed.map((s) => s.kekId)],
        );
      }
      return sealed.length;
    });
  }

  /**
   * Crypto-shredding: destroys the data keys of up to `limit` final payments of `participant` (as debtor or creditor)
   * created before `before`, without a recall still waiting for an answer; clear legacy columns are emptied too.
   */
  async eraseBatch(participant: string, before: Date, limit: number): Promise<number> {
    return withTransaction(this.pool, async (tx: PoolClient) => {
      const { rowCount } = await tx.query(
        `UPDATE payments SET pii_dek = NULL, pii_erased_at = now(), debtor = NULL, creditor = NULL, remittance_info = NULL
          WHERE uetr IN (
            SELECT p.uetr FROM payments p
             WHERE (p.participant = $1 OR p.creditor_participant = $1) AND p.created_at < $2 AND p.pii_erased_at IS NULL
               AND p.status IN ${FINAL}
               AND NOT EXISTS (SELECT 1 FROM payment_recalls r WHERE r.uetr = p.uetr AND r.status = 'PENDING')
             LIMIT $3 FOR UPDATE SKIP LOCKED)`,
        [participant, before, limit],
      );
      return rowCount ?? 0;
    });
  }

  /** Data keys by KEK, erased payments, and rows still in the clear (a whole-table count: operators only). */
  async counts(): Promise<{ byKek: Map<string, bigint>; erased: bigint; clear: bigint }> {
    const { rows } = await this.pool.query<{ kek: string | null; erased: boolean; clear: boolean; n: string }>(
      `SELECT pii_kek_id AS kek, pii_erased_at IS NOT NULL AS erased, parties IS NULL AND debtor IS NOT NULL AS clear, count(*)::text AS n
         FROM payments GROUP BY 1, 2, 3`,
    );
    const byKek = new Map<string, bigint>();
    let erased = 0n;
    let clear = 0n;
    for (const r of rows) {
      if (r.erased) erased += BigInt(r.n);
      else if (r.clear) clear += BigInt(r.n);
      else if (r.kek) byKek.set(r.kek, (byKek.get(r.kek) ?? 0n) + BigInt(r.n));
    }
    return { byKek, erased, clear };
  }
}
