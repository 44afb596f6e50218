import { GroupCommit, Pool, PoolClient } from '@nostro/platform';
import { groupCommitMetrics } from '../common/group-commit.metrics';

export interface IdempotencyRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  response_status: number | null;
  response_body: unknown;
}

/** A key to claim: who, which key, the request's fingerprint, the resource id reserved for it, and its lease. */
interface Claim {
  scope: string;
  key: string;
  requestHash: string;
  resourceId: string;
  leaseSeconds: number;
}

/** A stored answer: the key it belongs to, and the response. */
export interface StoredAnswer {
  scope: string;
  key: string;
  status: number;
  body: unknown;
}

/** SQL of idempotency_keys: one row per (scope, key), leased while a request holds it, then the stored answer. */
export class IdempotencyRepository {
  /**
   * Group commit: the keys of requests that arrive while a claim is in flight are claimed together in the next
   * statement (one round trip for many single payments, issue "Performance"); a lone request's goes at once.
   */
  private readonly claims = new GroupCommit<'all', Claim, boolean>(
    async (_all, items) => {
      const { rows } = await this.pool.query<{ resource_id: string }>(
        `INSERT INTO idempotency_keys (participant, idempotency_key, request_hash, resource_id, state, locked_until)
       SELECT c.scope, c.key, c.hash, c.resource, 'in_progress', now() + make_interval(secs => c.lease)
         FROM jsonb_to_recordset($1::jsonb) AS c(scope text, key text, hash text, resource uuid, lease int)
       ON CONFLICT DO NOTHING RETURNING resource_id`,
        [JSON.stringify(items.map((c) => ({ scope: c.scope, key: c.key, hash: c.requestHash, resource: c.resourceId, lease: c.leaseSeconds })))],
      );
      // Of the same key twice in one statement only the first row is inserted: its reserved id says whose it is.
      const claimed = new Set(rows.map((r) => r.resource_id));
      return items.map((c) => ({ ok: claimed.has(c.resourceId) }));
    },
    { observe: groupCommitMetrics('idempotency') },
  );

  constructor(private readonly pool: Pool) {}

  /** Claims a new key with a lease; false when the key exists already. `resourceId` must be new (a UUID). */
  claim(scope: string, key: string, requestHash: string, resourceId: string, leaseSeconds: number): Promise<boolean> {
    return this.claims.run('all', { scope, key, requestHash, resourceId, leaseSeconds });
  }

  async find(scope: string, key: string): Promise<IdempotencyRow | null> {
    const { rows } = await this.pool.query<IdempotencyRow>(
      'SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE participant = $1 AND idempotency_key = $2',
      [scope, key],
    );
    return rows[0] ?? null;
  }

  /** Takes over a key whose lease ran out (its request died half-way): the reserved resource id, or null. */
  async takeOver(scope: string, key: string, leaseSeconds: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ resource_id: string }>(
      `UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $3)
        WHERE participant = $1 AND idempotency_key = $2 AND state = 'in_progress' AND locked_until < now() RETURNING resource_id`,
      [scope, key, leaseSeconds],
    );
    return rows[0]?.resource_id ?? null;
  }

  /** Stores the final response, in the caller's transaction when the response reflects a state change. */
  async complete(db: Pool | PoolClient, scope: string, key: string, status: number, body: unknown): Promise<void> {
    await db.query(`UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 WHERE participant = $1 AND idempotency_key = $2`, [
      scope,
      key,
      status,
      JSON.stringify(body),
    ]);
  }

  /** {@link complete} for many keys in one statement (single payments recorded together). */
  async completeMany(tx: PoolClient, answers: readonly StoredAnswer[]): Promise<void> {
    if (answers.length === 0) return;
    await tx.query(
      `UPDATE idempotency_keys k SET state = 'done', response_status = a.status, response_body = a.body
         FROM jsonb_to_recordset($1::jsonb) AS a(scope text, key text, status int, body jsonb)
        WHERE k.participant = a.scope AND k.idempotency_key = a.key`,
      [JSON.stringify(answers.map((a) => ({ scope: a.scope, key: a.key, status: a.status, body: a.body })))],
    );
  }

  /** Ends the lease now, so an immediate retry may take the key over. */
  async release(scope: string, key: string): Promise<void> {
    await this.pool.query(`UPDATE idempotency_keys SET locked_until = now() WHERE participant = $1 AND idempotency_key = $2 AND state = 'in_progress'`, [
      scope,
      key,
    ]);
  }
}
