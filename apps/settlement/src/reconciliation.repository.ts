import { Pool } from '@nostro/platform';
import { Difference, LedgerRecord, SettlementRecord, SignedQuote } from '@nostro/shared';

/** A pair of records that may disagree (the classification itself is `classify` in the domain library). */
export interface CandidatePair {
  settlement: SettlementRecord | null;
  ledger: LedgerRecord | null;
}

/** A payment settlement took a final outcome for from a block, to check against the validators. */
export interface FinalPayment {
  eventId: bigint;
  record: SettlementRecord;
  quote: SignedQuote;
}

export interface StoredRun {
  id: bigint;
  scope: 'incremental' | 'full';
  started_at: Date;
  finished_at: Date;
  checked_local: number;
  checked_remote: number;
  differences: { remoteComplete: boolean; list: Difference[] };
}

interface PairRow {
  id: string | null;
  status: SettlementRecord['status'] | null;
  reason: string | null;
  block_height: bigint | null;
  tx_id: string | null;
  height: bigint | null;
  l_status: LedgerRecord['status'] | null;
  l_reason: string | null;
}

/**
 * Candidate disagreements between settlement's records and the ledger's final records (ledger_transactions): every
 * pair the classification could flag, never one it cannot. Bounded by `limit`.
 */
const CANDIDATES = `
  WITH pairs AS (
    SELECT p.uetr::text AS id, p.status, p.reason, p.block_height, l.tx_id, l.height, l.status AS l_status, l.reason AS l_reason
      FROM payments p FULL OUTER JOIN (SELECT * FROM ledger_transactions WHERE uetr IS NOT NULL AND return_id IS NULL) l ON l.uetr = p.uetr
    UNION ALL
    SELECT r.return_id::text, r.status, r.reject_reason, r.block_height, l.tx_id, l.height, l.status, l.reason
      FROM payment_returns r FULL OUTER JOIN (SELECT * FROM ledger_transactions WHERE return_id IS NOT NULL) l ON l.return_id = r.return_id
    UNION ALL
    SELECT r.request_id, r.status, r.reason, r.block_height, l.tx_id, l.height, l.status, l.reason
      FROM ledger_requests r FULL OUTER JOIN (SELECT * FROM ledger_transactions WHERE uetr IS NULL) l ON l.tx_id = r.request_id
  )
  SELECT * FROM pairs
   WHERE id IS NULL
      OR (tx_id IS NULL AND block_height IS NOT NULL)
      OR (tx_id IS NOT NULL AND (status NOT IN ('SETTLED', 'REJECTED', 'RETURNED', 'CANCELLED') OR block_height IS DISTINCT FROM height
          OR (status IN ('SETTLED', 'RETURNED')) <> (l_status = 'accepted') OR (l_status = 'rejected' AND reason IS DISTINCT FROM l_reason)))
   -- Newest first: when there are more differences than one report holds, the ones an operator is chasing now show.
   ORDER BY coalesce(height, block_height) DESC NULLS FIRST, id
   LIMIT $1`;

const num = (v: bigint | null): number | null => (v === null ? null : Number(v));

/** Reconciliation's SQL: candidate pairs, gaps in the final blocks, the incremental cursor and run reports. */
export class ReconciliationRepository {
  constructor(private readonly pool: Pool) {}

  async candidates(limit: number): Promise<CandidatePair[]> {
    const { rows } = await this.pool.query<PairRow>(CANDIDATES, [limit]);
    return rows.map((r) => ({
      settlement: r.id === null ? null : { id: r.id, status: r.status as SettlementRecord['status'], reason: r.reason, height: num(r.block_height) },
      ledger: r.tx_id === null ? null : { id: r.tx_id, height: num(r.height) as number, status: r.l_status as LedgerRecord['status'], reason: r.l_reason },
    }));
  }

  /** How many records the local comparison covered. */
  async counts(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT ((SELECT count(*) FROM payments) + (SELECT count(*) FROM payment_returns) + (SELECT count(*) FROM ledger_requests)
               + (SELECT count(*) FROM ledger_transactions))::text AS n`,
    );
    return Number.parseInt(rows[0].n, 10);
  }

  /** Heights below the highest final block that settlement never received. */
  async missingHeights(limit: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ h: bigint }>(
      `SELECT h FROM generate_series(1::bigint, (SELECT COALESCE(max(height), 0) FROM finalized_blocks)) AS h
        WHERE NOT EXISTS (SELECT 1 FROM finalized_blocks b WHERE b.height = h) ORDER BY h LIMIT $1`,
      [limit],
    );
    return rows.map((r) => Number(r.h));
  }

  /** Payments final with a block, in timeline order after `afterEventId`, settled at least `settledBefore`. */
  async finalPayments(afterEventId: bigint, settledBefore: Date, limit: number): Promise<FinalPayment[]> {
    const { rows } = await this.pool.query<{
      id: bigint;
      uetr: string;
      status: 'SETTLED' | 'REJECTED' | 'RETURNED';
      reason: string | null;
      block_height: bigint;
      quote: SignedQuote;
    }>(
      `SELECT e.id, p.uetr, p.status, p.reason, p.block_height, p.quote
         FROM payment_events e JOIN payments p ON p.uetr = e.uetr
        WHERE e.id > $1 AND e.status IN ('SETTLED', 'REJECTED') AND e.at < $2 AND p.block_height IS NOT NULL
        ORDER BY e.id LIMIT $3`,
      [afterEventId.toString(), settledBefore, limit],
    );
    return rows.map((r) => ({ eventId: r.id, quote: r.quote, record: { id: r.uetr, status: r.status, reason: r.reason, height: Number(r.block_height) } }));
  }

  /**
   * When the oldest payment final with a block after `afterEventId` became final: the first one the validators' proofs
   * have not been compared with yet (null: none). One index step on the events' ids.
   */
  async oldestUnchecked(afterEventId: bigint): Promise<Date | null> {
    const { rows } = await this.pool.query<{ at: Date }>(
      `SELECT e.at FROM payment_events e JOIN payments p ON p.uetr = e.uetr
        WHERE e.id > $1 AND e.status IN ('SETTLED', 'REJECTED') AND p.block_height IS NOT NULL
        ORDER BY e.id LIMIT 1`,
      [afterEventId.toString()],
    );
    return rows[0]?.at ?? null;
  }

  async cursor(): Promise<bigint> {
    const { rows } = await this.pool.query<{ last_event_id: bigint }>('SELECT last_event_id FROM reconciliation_cursor');
    return rows[0]?.last_event_id ?? 0n;
  }

  async saveCursor(lastEventId: bigint): Promise<void> {
    await this.pool.query(
      `INSERT INTO reconciliation_cursor (singleton, last_event_id) VALUES (true, $1)
       ON CONFLICT (singleton) DO UPDATE SET last_event_id = GREATEST(reconciliation_cursor.last_event_id, EXCLUDED.last_event_id), updated_at = now()`,
      [lastEventId.toString()],
    );
  }

  async insertRun(run: {
    scope: string;
    startedAt: Date;
    finishedAt: Date;
    checkedLocal: number;
    checkedRemote: number;
    remoteComplete: boolean;
    differences: Difference[];
  }): Promise<bigint> {
    const { rows } = await this.pool.query<{ id: bigint }>(
      `INSERT INTO reconciliation_runs (scope, started_at, finished_at, checked_local, checked_remote, differences)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        run.scope,
        run.startedAt,
        run.finishedAt,
        run.checkedLocal,
        run.checkedRemote,
        JSON.stringify({ remoteComplete: run.remoteComplete, list: run.differences }),
      ],
    );
    return rows[0].id;
  }

  async latestRun(): Promise<StoredRun | null> {
    const { rows } = await this.pool.query<StoredRun>('SELECT * FROM reconciliation_runs ORDER BY id DESC LIMIT 1');
    return rows[0] ?? null;
  }

  /** Runs the job under a session advisory lock so one replica reconciles at a time; null if another holds it. */
  async exclusively<T>(fn: () => Promise<T>): Promise<T | null> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS ok', [RECONCILIATION_LOCK]);
      if (!rows[0].ok) return null;
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, 0)', [RECONCILIATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }
}

/** Advisory lock namespace of the reconciliation job. */
const RECONCILIATION_LOCK = 7_343;
