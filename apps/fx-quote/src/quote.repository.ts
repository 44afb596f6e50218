import { Pool } from '@nostro/platform';
import { SignedQuote } from '@nostro/shared';

/** The authoritative quote store (Postgres). */
export class QuoteRepository {
  constructor(private readonly pool: Pool) {}

  async insert(quote: SignedQuote): Promise<void> {
    await this.pool.query('INSERT INTO quotes (id, participant, quote, expires_at) VALUES ($1, $2, $3, $4)', [
      quote.id,
      quote.participant,
      JSON.stringify(quote),
      quote.expiresAt,
    ]);
  }

  async find(id: string): Promise<{ quote: SignedQuote; usedBy: string | null } | null> {
    const { rows } = await this.pool.query<{ quote: SignedQuote; used_by: string | null }>('SELECT quote, used_by FROM quotes WHERE id = $1', [id]);
    return rows[0] ? { quote: rows[0].quote, usedBy: rows[0].used_by } : null;
  }

  /** Marks the quote used by `uetr` unless another payment used it; idempotent for the same uetr. */
  async markUsed(id: string, uetr: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE quotes SET used_by = $2, used_at = COALESCE(used_at, now()) WHERE id = $1 AND (used_by IS NULL OR used_by = $2)`,
      [id, uetr],
    );
    return (rowCount ?? 0) > 0;
  }
}
