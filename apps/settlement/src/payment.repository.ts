import { Pool, PoolClient } from '@nostro/platform';
import { HoldSource, PaymentStatus, SignedQuote } from '@nostro/shared';

export interface PaymentRow {
  uetr: string;
  participant: string;
  status: PaymentStatus;
  quote: SignedQuote;
  not_after: Date | null;
  held_until: Date | null;
  hold_source: HoldSource | null;
  /** When the timeline records SUBMITTED (null before). */
  submitted_at: Date | null;
  /** Short of funds, wait this long in the ledger's liquidity queue (null: rejected at once). */
  queue_for_ms: number | null;
  /** A conditional payment's hash-lock (API.md "Conditional payments"); null for an ordinary one. */
  condition: { hash: string; expiresAt: number } | null;
  /** Why it was rejected or cancelled. */
  reason: string | null;
}

/** One transition, as the timeline records it; the optional fields are stored on the payment. */
export interface StatusChange {
  uetr: string;
  status: PaymentStatus;
  reason: string | null;
  at: Date;
  cause: string;
  blockHeight?: number;
  blockHash?: string;
  notAfter?: Date;
  hold?: { until: Date; source: HoldSource; reason: string };
  /** The ledger transaction that decided it, when that is not the payment's own (an escrow's fulfilment or expiry). */
  ledgerTxId?: string;
}

/** A payment intent as settlement records it on arrival. */
export interface NewIntake {
  uetr: string;
  participant: string;
  quote: SignedQuote;
  acceptedAt: Date;
  queueForMs?: number;
  condition?: { hash: string; expiresAt: number } | null;
}

export interface StuckCounts {
  received: number;
  held: number;
  submitted: number;
}

const SUBMITTED_AT = `(SELECT e.at FROM payment_events e WHERE e.uetr = payments.uetr AND e.status = 'SUBMITTED') AS submitted_at`;
const COLUMNS = `uetr, participant, status, quote, not_after, held_until, hold_source, queue_for_ms, condition, reason, ${SUBMITTED_AT}`;

/** What the ledger's outcomes change of a payment, and what deciding them reads. */
export type PaymentState = Pick<PaymentRow, 'uetr' | 'participant' | 'status' | 'condition' | 'submitted_at'>;
const STATE_COLUMNS = `uetr, participant, status, condition, ${SUBMITTED_AT}`;

/** Settlement's payments, their timeline and quote use: SQL only. Methods taking `tx` run in the caller's transaction. */
export class PaymentRepository {
  /**
   * Records payment intents in the status their intake decided, in one statement whatever their number: each payment
   * row once (a uetr seen before, or twice in `list`, is recorded once), with its RECEIVED timeline entry and the
   * entry of the step intake took (`change`: HELD, SUBMITTED or REJECTED). Answers the uetrs that were new.
   */
  async insertMany(tx: PoolClient, list: readonly { intake: NewIntake; change: StatusChange }[]): Promise<Set<string>> {
    if (list.length === 0) return new Set();
    const col = <T>(pick: (p: { intake: NewIntake; change: StatusChange }) => T) => list.map(pick);
    const entries = list.flatMap(({ intake, change }) => [
      { uetr: intake.uetr, status: 'RECEIVED', reason: null, at: intake.acceptedAt, cause: 'payment intent' },
      { uetr: intake.uetr, status: change.status, reason: change.reason ?? change.hold?.reason ?? null, at: change.at, cause: change.cause },
    ]);
    const { rows } = await tx.query<{ uetr: string }>(
      `WITH fresh AS (
         INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, status, reason, accepted_at, not_after, held_until,
                               hold_source, hold_reason, queue_for_ms, condition)
         SELECT t.uetr, t.participant, t.creditor_participant, t.quote_id, q.quote, t.status, t.reason, t.accepted_at, t.not_after,
                t.held_until, t.hold_source, t.hold_reason, t.queue_for_ms, t.condition
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $6::text[], $7::text[], $8::timestamptz[],
                       $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::int[], $14::jsonb[]) WITH ORDINALITY
                  AS t(uetr, participant, creditor_participant, quote_id, status, reason, accepted_at, not_after, held_until, hold_source,
                       hold_reason, queue_for_ms, condition, n)
           JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS q(quote, n) ON q.n = t.n
         ON CONFLICT (uetr) DO NOTHING
         RETURNING uetr
       ), timeline AS (
         INSERT INTO payment_events (uetr, status, reason, at, cause)
         SELECT e.uetr, e.status, e.reason, e.at, e.cause
           FROM unnest($15::uuid[], $16::text[], $17::text[], $18::timestamptz[], $19::text[]) WITH ORDINALITY AS e(uetr, status, reason, at, cause, n)
          WHERE e.uetr IN (SELECT uetr FROM fresh) ORDER BY e.n
       )
       SELECT uetr::text FROM fresh`,
      [
        col((p) => p.intake.uetr),
        col((p) => p.intake.participant),
        col((p) => p.intake.quote.creditorParticipant),
        col((p) => p.intake.quote.id),
        // The quotes as one JSON array: one parameter, not an array literal escaping each quote's JSON.
        JSON.stringify(col((p) => p.intake.quote)),
        col((p) => p.change.status),
        col((p) => p.change.reason),
        col((p) => p.intake.acceptedAt),
        col((p) => p.change.notAfter ?? null),
        col((p) => p.change.hold?.until ?? null),
        col((p) => p.change.hold?.source ?? null),
        col((p) => p.change.hold?.reason ?? null),
        col((p) => p.intake.queueForMs ?? null),
        col((p) => (p.intake.condition ? JSON.stringify(p.intake.condition) : null)),
        entries.map((e) => e.uetr),
        entries.map((e) => e.status),
        entries.map((e) => e.reason),
        entries.map((e) => e.at),
        entries.map((e) => e.cause),
      ],
    );
    return new Set(rows.map((r) => r.uetr));
  }

  /** Records the quote's use; false when another payment already used it. */
  async useQuote(tx: PoolClient, quoteId: string, uetr: string): Promise<boolean> {
    return (await this.useQuotes(tx, [{ quoteId, uetr }])).has(uetr);
  }

  /**
   * Records each quote's use by its payment, in one statement; answers the uetrs that got their quote. Of several
   * uses of one quote in `uses`, the first in order wins, as if they had come one by one.
   */
  async useQuotes(tx: PoolClient, uses: readonly { quoteId: string; uetr: string }[]): Promise<Set<string>> {
    if (uses.length === 0) return new Set();
    const { rows } = await tx.query<{ uetr: string }>(
      `INSERT INTO quote_uses (quote_id, uetr)
       SELECT quote_id, uetr FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS u(quote_id, uetr, n) ORDER BY n
       ON CONFLICT DO NOTHING RETURNING uetr::text`,
      [uses.map((u) => u.quoteId), uses.map((u) => u.uetr)],
    );
    return new Set(rows.map((r) => r.uetr));
  }

  /** Applies transitions (the trigger refuses illegal ones) and appends them to the timeline. */
  async applyChanges(tx: PoolClient, changes: readonly StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    const col = <T>(pick: (c: StatusChange) => T) => changes.map(pick);
    await tx.query(
      `UPDATE payments p SET status = c.status, reason = c.reason, block_height = COALESCE(c.height, p.block_height),
              block_hash = COALESCE(c.hash, p.block_hash), not_after = COALESCE(c.not_after, p.not_after),
              held_until = COALESCE(c.held_until, p.held_until), hold_source = COALESCE(c.hold_source, p.hold_source),
              hold_reason = COALESCE(c.hold_reason, p.hold_reason)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
              AS c(uetr, status, reason, height, hash, not_after, held_until, hold_source, hold_reason)
        WHERE p.uetr = c.uetr`,
      [
        col((c) => c.uetr),
        col((c) => c.status),
        col((c) => c.reason),
        col((c) => c.blockHeight ?? null),
        col((c) => c.blockHash ?? null),
        col((c) => c.notAfter ?? null),
        col((c) => c.hold?.until ?? null),
        col((c) => c.hold?.source ?? null),
        col((c) => c.hold?.reason ?? null),
      ],
    );
    await tx.query(
      `INSERT INTO payment_events (uetr, status, reason, at, cause)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])`,
      [col((c) => c.uetr), col((c) => c.status), col((c) => c.reason ?? c.hold?.reason ?? null), col((c) => c.at), col((c) => c.cause)],
    );
  }

  async lockPayments(tx: PoolClient, uetrs: readonly string[]): Promise<PaymentRow[]> {
    return this.lock<PaymentRow>(tx, uetrs, COLUMNS);
  }

  /**
   * {@link lockPayments} without the quote and the deadlines: what applying the ledger's outcomes reads (a block's
   * outcomes lock every payment in it, and need none of their quotes).
   */
  async lockStates(tx: PoolClient, uetrs: readonly string[]): Promise<PaymentState[]> {
    return this.lock<PaymentState>(tx, uetrs, STATE_COLUMNS);
  }

  /** `columns` of the payments among `uetrs`, locked in uetr order (concurrent lockers cannot deadlock). */
  private async lock<T extends { uetr: string }>(tx: PoolClient, uetrs: readonly string[], columns: string): Promise<T[]> {
    if (uetrs.length === 0) return [];
    const { rows } = await tx.query<T>(`SELECT ${columns} FROM payments WHERE uetr = ANY($1::uuid[]) ORDER BY uetr FOR UPDATE`, [uetrs]);
    return rows;
  }

  async lockOne(tx: PoolClient, uetr: string): Promise<PaymentRow | null> {
    return (await this.lockPayments(tx, [uetr]))[0] ?? null;
  }

  /** Held payments whose hold lapsed at `now`, oldest first, skipping rows another worker holds. */
  async lapsedHolds(tx: PoolClient, now: Date, limit: number): Promise<PaymentRow[]> {
    const { rows } = await tx.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM payments WHERE status = 'HELD' AND held_until <= $1 ORDER BY held_until LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows;
  }

  /**
   * Submitted payments past `notAfterBefore` (queued ones past their queue deadline), not re-published since
   * `resubmittedBefore`, oldest first. Read without locks (the caller asks the validators before changing anything);
   * with `only`, that one row is locked, if free.
   */
  async overdue(db: Pool | PoolClient, notAfterBefore: Date, resubmittedBefore: Date, limit: number, only?: string): Promise<PaymentRow[]> {
    const { rows } = await db.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM payments
        WHERE status IN ('SUBMITTED', 'QUEUED') AND not_after < $1 AND (resubmitted_at IS NULL OR resubmitted_at < $2) AND ($4::uuid IS NULL OR uetr = $4)
        ORDER BY not_after LIMIT $3${only ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      [notAfterBefore, resubmittedBefore, limit, only ?? null],
    );
    return rows;
  }

  async markResubmitted(tx: PoolClient, uetrs: readonly string[], at: Date): Promise<void> {
    if (uetrs.length > 0) await tx.query('UPDATE payments SET resubmitted_at = $2 WHERE uetr = ANY($1::uuid[])', [uetrs, at]);
  }

  /** Payments waiting past their deadline: RECEIVED before `receivedBefore`, HELD past their hold, SUBMITTED past notAfter. */
  async stuck(db: Pool, now: Date, receivedBefore: Date, notAfterBefore: Date): Promise<StuckCounts> {
    const { rows } = await db.query<{ received: string; held: string; submitted: string }>(
      // One count per open status, each on that status's partial index (settled payments are in none of them).
      `SELECT (SELECT count(*) FROM payments WHERE status = 'RECEIVED' AND accepted_at < $2)::text AS received,
              (SELECT count(*) FROM payments WHERE status = 'HELD' AND held_until <= $1)::text AS held,
              (SELECT count(*) FROM payments WHERE status = 'SUBMITTED' AND not_after < $3)::text AS submitted`,
      [now, receivedBefore, notAfterBefore],
    );
    const row = rows[0];
    return { received: Number.parseInt(row.received, 10), held: Number.parseInt(row.held, 10), submitted: Number.parseInt(row.submitted, 10) };
  }
}
