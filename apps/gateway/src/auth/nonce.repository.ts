import { Pool } from '@nostro/platform';
import { sha256Hex } from '@nostro/shared';

/** SQL of signature_nonces: a request signature's nonce, single-use while its signature could still be accepted. */
export class NonceRepository {
  constructor(private readonly pool: Pool) {}

  /** Records the nonce (hashed) for `keepSeconds`; false when this key already used it in that time. */
  async claim(keyId: string, nonce: string, keepSeconds: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO signature_nonces (key_id, nonce_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) ON CONFLICT DO NOTHING`,
      [keyId, sha256Hex(nonce), keepSeconds],
    );
    return (rowCount ?? 0) > 0;
  }
}
