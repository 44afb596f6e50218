import { Pool, PoolClient } from '@nostro/platform';

export interface IdempotencyRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  response_status: number | null;
  response_body: unknown;
}

/** SQL of idempotency_keys: one row per (scope, key), leased while a request holds it, then the stored answer. */
export class IdempotencyRepository {
  constructor(private readonly pool: Pool) {}

  /** Claims a new key with a lease; false when the key exists already. */
  async claim(scope: string, key: string, requestHash: string, resourceId: string, leaseSeconds: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO idempotency_keys (participant, idempotency_key, request_hash, resource_id, state, locked_until)
       VALUES ($1, $2, $3, $4, 'in_progress', now() + make_interval(secs => $5)) ON CONFLICT DO NOTHING`,
      [scope, key, requestHash, resourceId, leaseSeconds],
    );
    return (rowCount ?? 0) > 0;
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

  /** Ends the lease now, so an immediate retry may take the key over. */
  async release(scope: string, key: string): Promise<void> {
    await this.pool.query(`UPDATE idempotency_keys SET locked_until = now() WHERE participant = $1 AND idempotency_key = $2 AND state = 'in_progress'`, [
      scope,
      key,
    ]);
  }
}
