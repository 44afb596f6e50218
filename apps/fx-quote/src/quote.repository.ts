import { Pool, PoolClient } from '@nostro/platform';
import { ReleaseReason, ReservationState, SignedQuote } from '@nostro/shared';

export interface StoredQuote {
  quote: SignedQuote;
  usedBy: string | null;
  reservation: ReservationState;
}

export interface NewQuote {
  quote: SignedQuote;
  reservedMinor: bigint;
}

export interface Position {
  reservedMinor: bigint;
  releasedHeight: number;
}

/** Releases (or settlements) summed per target currency, to keep fx_liquidity in step. */
interface Released {
  target_currency: string;
  reserved_minor: string;
}

/** How a quote's use by a payment is keyed in {@link QuoteRepository.markUsedMany}'s answer. */
export const useKey = (id: string, uetr: string): string => `${id}\u0000${uetr.toLowerCase()}`;

/** Batch bound of the sweeper and the event consumer's updates. */
export const SWEEP_BATCH_MAX = 1_000;

/** SQL of the authoritative quote store (Postgres): quotes, their single use, and FXDESK reservations. */
export class QuoteRepository {
  constructor(readonly pool: Pool) {}

  async ensurePositions(currencies: readonly string[]): Promise<void> {
    await this.pool.query('INSERT INTO fx_liquidity (currency) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [currencies]);
  }

  /** Locks the positions of these currencies (in a fixed order, so two batches never deadlock) for this transaction. */
  async lockPositions(tx: PoolClient, currencies: readonly string[]): Promise<Map<string, Position>> {
    const { rows } = await tx.query<{ currency: string; reserved_minor: string; released_height: bigint }>(
      'SELECT currency, reserved_minor::text, released_height FROM fx_liquidity WHERE currency = ANY($1::text[]) ORDER BY currency FOR UPDATE',
      [currencies],
    );
    return new Map(rows.map((r) => [r.currency, { reservedMinor: BigInt(r.reserved_minor), releasedHeight: Number(r.released_height) }]));
  }

  async positions(): Promise<Map<string, Position>> {
    const { rows } = await this.pool.query<{ currency: string; reserved_minor: string; released_height: bigint }>(
      'SELECT currency, reserved_minor::text, released_height FROM fx_liquidity ORDER BY currency',
    );
    return new Map(rows.map((r) => [r.currency, { reservedMinor: BigInt(r.reserved_minor), releasedHeight: Number(r.released_height) }]));
  }

  /**
   * Inserts quotes as held, in the caller's transaction, without touching the positions: a batch stores its quotes
   * before it locks its currencies' positions ({@link lockPositions}), so that the lock every issuer and release waits
   * for is held only for the check, {@link addHeld} and the commit.
   */
  async insertQuotes(tx: PoolClient, quotes: readonly NewQuote[]): Promise<void> {
    if (quotes.length === 0) return;
    // The bodies as one JSON array (one parameter, no array-literal escaping of each), each with its id.
    await tx.query(
      `WITH held AS (
         INSERT INTO quotes (id, participant, expires_at, target_currency, reserved_minor, reservation)
         SELECT id, participant, expires_at, target_currency, reserved_minor, 'held'
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::numeric[])
             AS t (id, participant, expires_at, target_currency, reserved_minor)
       )
       INSERT INTO quote_documents (id, quote) SELECT d ->> 'id', d FROM jsonb_array_elements($6::jsonb) AS d`,
      [
        quotes.map((q) => q.quote.id),
        quotes.map((q) => q.quote.participant),
        quotes.map((q) => q.quote.expiresAt),
        quotes.map((q) => q.quote.targetCurrency),
        quotes.map((q) => q.reservedMinor.toString()),
        JSON.stringify(quotes.map((q) => q.quote)),
      ],
    );
  }

  /** Removes quotes {@link insertQuotes} stored in this transaction that the positions cannot cover (never seen by anyone). */
  async dropUnreserved(tx: PoolClient, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `WITH documents AS (DELETE FROM quote_documents WHERE id = ANY($1::text[]))
       DELETE FROM quotes WHERE id = ANY($1::text[]) AND reservation = 'held' AND used_by IS NULL`,
      [ids],
    );
  }

  /** Adds held quotes' amounts to their currencies' positions, in the caller's transaction (after {@link lockPositions}). */
  async addHeld(tx: PoolClient, quotes: readonly NewQuote[]): Promise<void> {
    await this.addReserved(
      tx,
      quotes.map((q) => ({ target_currency: q.quote.targetCurrency, reserved_minor: q.reservedMinor.toString() })),
      1,
    );
  }

  /**
   * Quotes of one target currency in one statement (a quote alone, or a small group: the common case): adds their
   * total to the position only if it stays within `limitMinor` (balance plus net debit cap; null = unbounded) and no
   * reservation was released against a ledger view newer than `height`, and inserts the quotes only then. All or
   * nothing: true when every quote was stored. The position row stays locked until the statement commits, through the
   * insertions, so large batches take {@link insertQuotes} and {@link lockPositions} in a transaction instead.
   */
  async insertHeldWithin(quotes: readonly NewQuote[], limitMinor: bigint | null, height: number): Promise<boolean> {
    if (quotes.length === 0) return true;
    const currency = quotes[0].quote.targetCurrency;
    if (quotes.some((q) => q.quote.targetCurrency !== currency)) throw new RangeError('insertHeldWithin takes quotes of one target currency');
    const total = quotes.reduce((sum, q) => sum + q.reservedMinor, 0n);
    const { rows } = await this.pool.query(
      `WITH position AS (
         UPDATE fx_liquidity SET reserved_minor = reserved_minor + $6::numeric, updated_at = now()
          WHERE currency = $5 AND ($7::numeric IS NULL OR reserved_minor + $6::numeric <= $7::numeric) AND released_height <= $8
         RETURNING currency),
       held AS (
         INSERT INTO quotes (id, participant, expires_at, target_currency, reserved_minor, reservation)
         SELECT t.id, t.participant, t.expires_at, position.currency, t.reserved_minor, 'held'
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::numeric[]) AS t (id, participant, expires_at, reserved_minor)
           CROSS JOIN position)
       INSERT INTO quote_documents (id, quote)
       SELECT d ->> 'id', d FROM jsonb_array_elements($9::jsonb) AS d WHERE EXISTS (SELECT 1 FROM position)
       RETURNING id`,
      [
        quotes.map((q) => q.quote.id),
        quotes.map((q) => q.quote.participant),
        quotes.map((q) => q.quote.expiresAt),
        quotes.map((q) => q.reservedMinor.toString()),
        currency,
        total.toString(),
        limitMinor === null ? null : limitMinor.toString(),
        height,
        JSON.stringify(quotes.map((q) => q.quote)),
      ],
    );
    return rows.length === quotes.length;
  }

  private async addReserved(tx: PoolClient, rows: readonly Released[], sign: 1 | -1, releasedHeight = 0): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE fx_liquidity l SET reserved_minor = l.reserved_minor + $3::int * d.total,
              released_height = GREATEST(l.released_height, $4::bigint), updated_at = now()
         FROM (SELECT c AS currency, sum(a) AS total FROM unnest($1::text[], $2::numeric[]) AS t (c, a) GROUP BY c) d
        WHERE l.currency = d.currency`,
      [rows.map((r) => r.target_currency), rows.map((r) => r.reserved_minor), sign, releasedHeight],
    );
  }

  async find(id: string): Promise<StoredQuote | null> {
    const { rows } = await this.pool.query<{ quote: SignedQuote; used_by: string | null; reservation: ReservationState }>(
      'SELECT d.quote, q.used_by, q.reservation FROM quotes q JOIN quote_documents d ON d.id = q.id WHERE q.id = $1',
      [id],
    );
    return rows[0] ? { quote: rows[0].quote, usedBy: rows[0].used_by, reservation: rows[0].reservation } : null;
  }

  /**
   * Records the single use of the quote by payment `uetr` (held → used), unless another payment used it or it was
   * released; idempotent for the same uetr. The row lock serialises concurrent attempts: exactly one wins.
   */
  async markUsed(id: string, uetr: string, notAfter: Date): Promise<'first' | 'again' | 'refused'> {
    return (await this.markUsedMany([{ id, uetr }], notAfter)).get(useKey(id, uetr)) ?? 'refused';
  }

  /**
   * {@link markUsed} for many quotes in one statement (one commit). Rows are locked in id order, so concurrent batches
   * cannot deadlock; of several uses of one quote in `uses`, only the first is tried. Answers 'first' or 'again' per
   * {@link useKey} of each use recorded; a use missing from the answer was refused.
   */
  async markUsedMany(uses: readonly { id: string; uetr: string }[], notAfter: Date): Promise<Map<string, 'first' | 'again'>> {
    if (uses.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; uetr: string; first: boolean }>(
      `WITH input AS (
         SELECT DISTINCT ON (id) id, uetr FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS x(id, uetr, n) ORDER BY id, n
       ), before AS (
         SELECT q.id, q.used_by FROM quotes q JOIN input i ON i.id = q.id ORDER BY q.id FOR UPDATE OF q
       )
       UPDATE quotes q SET used_by = i.uetr, used_at = COALESCE(q.used_at, now()),
              reservation = CASE WHEN q.used_by IS NULL THEN 'used' ELSE q.reservation END
         FROM input i JOIN before b ON b.id = i.id
        WHERE q.id = i.id AND (q.used_by = i.uetr OR (q.used_by IS NULL AND q.reservation = 'held' AND q.expires_at >= $3))
       RETURNING q.id, i.uetr::text AS uetr, b.used_by IS NULL AS first`,
      [uses.map((u) => u.id), uses.map((u) => u.uetr), notAfter],
    );
    return new Map(rows.map((r) => [useKey(r.id, r.uetr), r.first ? 'first' : 'again']));
  }

  /** held → released for quotes that expired unused before `cutoff`. Returns how many. */
  async releaseExpired(cutoff: Date): Promise<number> {
    return this.release(
      `SELECT id FROM quotes WHERE reservation = 'held' AND expires_at < $1 ORDER BY expires_at LIMIT ${SWEEP_BATCH_MAX} FOR UPDATE SKIP LOCKED`,
      [cutoff],
      ReleaseReason.EXPIRED,
    );
  }

  /** used → released for quotes used before `cutoff` whose payment never reached a final status. */
  async releaseAbandoned(cutoff: Date): Promise<number> {
    return this.release(
      `SELECT id FROM quotes WHERE reservation = 'used' AND used_at < $1 AND (queued_until IS NULL OR queued_until < $1)
        ORDER BY used_at LIMIT ${SWEEP_BATCH_MAX} FOR UPDATE SKIP LOCKED`,
      [cutoff],
      ReleaseReason.ABANDONED,
    );
  }

  /**
   * settled → released once FXDESK's balance at `height` already shows the payments settled at or below it. With
   * `fence`, readers whose balance view is older than `height` may no longer reserve in those currencies.
   */
  async releaseSettled(height: number, fence = true): Promise<number> {
    return this.release(
      `SELECT id FROM quotes WHERE reservation = 'settled' AND settled_height <= $1 ORDER BY settled_height LIMIT ${SWEEP_BATCH_MAX} FOR UPDATE SKIP LOCKED`,
      [height],
      ReleaseReason.SETTLED,
      fence ? height : 0,
    );
  }

  private async release(select: string, params: unknown[], reason: ReleaseReason, releasedHeight = 0): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Released>(
        `WITH picked AS (${select})
         UPDATE quotes q SET reservation = 'released', release_reason = $${params.length + 1}, released_at = now()
           FROM picked WHERE q.id = picked.id
         RETURNING q.target_currency, q.reserved_minor::text`,
        [...params, reason],
      );
      await this.addReserved(client, rows, -1, releasedHeight);
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** used → settled (payment final in block `height`), in the consumer's transaction. */
  async markSettled(tx: PoolClient, uetrs: readonly string[], heights: readonly number[]): Promise<number> {
    if (uetrs.length === 0) return 0;
    const { rowCount } = await tx.query(
      `UPDATE quotes q SET reservation = 'settled', settled_height = e.height
         FROM unnest($1::uuid[], $2::bigint[]) AS e (uetr, height)
        WHERE q.used_by = e.uetr AND q.reservation = 'used'`,
      [uetrs, heights],
    );
    return rowCount ?? 0;
  }

  /**
   * A used quote whose payment waits in the liquidity queue: its reservation holds until the payment is final, and the
   * abandoned sweep waits for the queue deadline (`untils`, Unix ms). In the consumer's transaction.
   */
  async markQueued(tx: PoolClient, uetrs: readonly string[], untils: readonly number[]): Promise<number> {
    if (uetrs.length === 0) return 0;
    const { rowCount } = await tx.query(
      `UPDATE quotes q SET queued_until = to_timestamp(e.until / 1000.0)
         FROM unnest($1::uuid[], $2::bigint[]) AS e (uetr, until)
        WHERE q.used_by = e.uetr AND q.reservation = 'used'`,
      [uetrs, untils],
    );
    return rowCount ?? 0;
  }

  /** used → released (payment rejected), in the consumer's transaction. */
  async releaseRejected(tx: PoolClient, uetrs: readonly string[], reason: 'rejected' | 'cancelled' = 'rejected'): Promise<number> {
    if (uetrs.length === 0) return 0;
    const { rows } = await tx.query<Released>(
      `UPDATE quotes SET reservation = 'released', release_reason = $2, released_at = now()
        WHERE used_by = ANY($1::uuid[]) AND reservation = 'used'
       RETURNING target_currency, reserved_minor::text`,
      [uetrs, reason],
    );
    await this.addReserved(tx, rows, -1);
    return rows.length;
  }

  /** Σ reserved_minor of holding quotes per currency, straight from the quotes (checks fx_liquidity's counter). */
  async holdingTotals(): Promise<Map<string, bigint>> {
    const { rows } = await this.pool.query<{ target_currency: string; total: string }>(
      `SELECT target_currency, sum(reserved_minor)::text AS total FROM quotes WHERE reservation IN ('held', 'used', 'settled') GROUP BY target_currency`,
    );
    return new Map(rows.map((r) => [r.target_currency, BigInt(r.total)]));
  }
}
