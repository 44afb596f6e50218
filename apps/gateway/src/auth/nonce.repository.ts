import { GroupCommit, Pool } from '@nostro/platform';
import { sha256Hex } from '@nostro/shared';
import { groupCommitMetrics } from '../common/group-commit.metrics';

interface NonceClaim {
  keyId: string;
  nonceHash: string;
  keepSeconds: number;
}

/** SQL of signature_nonces: a request signature's nonce, single-use while its signature could still be accepted. */
export class NonceRepository {
  /**
   * Group commit: the nonces of requests that arrive while a claim is in flight go in the next statement together
   * (one round trip for many requests, issue "Performance"); a lone request's goes at once.
   */
  private readonly claims = new GroupCommit<'all', NonceClaim, boolean>(
    async (_all, items) => {
      const { rows } = await this.pool.query<{ key_id: string; nonce_hash: string }>(
        `INSERT INTO signature_nonces (key_id, nonce_hash, expires_at)
       SELECT key_id, nonce_hash, now() + make_interval(secs => keep) FROM unnest($1::text[], $2::text[], $3::int[]) AS n(key_id, nonce_hash, keep)
       ON CONFLICT DO NOTHING RETURNING key_id, nonce_hash`,
        [items.map((c) => c.keyId), items.map((c) => c.nonceHash), items.map((c) => c.keepSeconds)],
      );
      const inserted = new Set(rows.map((r) => `${r.key_id} ${r.nonce_hash}`));
      // Of the same nonce twice in one statement, the first request claimed it; the later ones replay it.
      const seen = new Set<string>();
      return items.map((c) => {
        const id = `${c.keyId} ${c.nonceHash}`;
        const ok = inserted.has(id) && !seen.has(id);
        seen.add(id);
        return { ok };
      });
    },
    { observe: groupCommitMetrics('nonce') },
  );

  constructor(private readonly pool: Pool) {}

  /** Records the nonce (hashed) for `keepSeconds`; false when this key already used it in that time. */
  claim(keyId: string, nonce: string, keepSeconds: number): Promise<boolean> {
    return this.claims.run('all', { keyId, nonceHash: sha256Hex(nonce), keepSeconds: Math.ceil(keepSeconds) });
  }
}
