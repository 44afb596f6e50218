import { Pool, PoolClient, CURSOR_AT_SQL, TimeKeyset } from '@nostro/platform';

export type WebhookType =
  | 'payment.settled'
  | 'payment.rejected'
  | 'payment.held'
  | 'payment.queued'
  | 'payment.reserved'
  | 'payment.received'
  | 'payment.cancelled'
  | 'payment.recall_requested'
  | 'payment.recall_resolved'
  | 'payment.returned'
  | 'return.settled'
  | 'return.rejected';

/** The body a bank receives: `{ id, type, occurredAt, data }` (API.md "Accounts and webhooks"). */
export interface WebhookEvent {
  id: string;
  type: WebhookType;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface NewDelivery {
  id: string;
  participant: string;
  type: WebhookType;
  uetr: string | null;
  sourceId: string;
  payload: WebhookEvent;
  /** The ledger transaction whose finality proof the delivery carries, when it is not the payment's own (an escrow's fulfilment). */
  proofTxId?: string;
}

export interface DeliveryRow {
  id: string;
  participant: string;
  type: WebhookType;
  uetr: string | null;
  payload: WebhookEvent;
  /** See {@link NewDelivery.proofTxId}. */
  proof_tx_id: string | null;
  status: 'pending' | 'delivered' | 'abandoned';
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  webhook_url?: string | null;
}

export interface EndpointHealthRow {
  participant: string;
  webhook_url: string | null;
  pending: bigint;
  abandoned: bigint;
  oldest_pending_at: Date | null;
  max_attempts: number | null;
  last_error: string | null;
  last_delivered_at: Date | null;
}

export const WEBHOOK_CHANNEL = 'gateway_webhooks';
const LIST_LIMIT_MAX = 1_000;

/** The webhook outbox. SQL only. */
export class WebhookRepository {
  constructor(private readonly pool: Pool) {}

  /** In the caller's transaction; a delivery already recorded for the same cause and recipient is not repeated. */
  async enqueue(tx: PoolClient, deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await tx.query(
      `INSERT INTO webhook_deliveries (id, participant, type, uetr, source_id, payload, proof_tx_id, status)
       SELECT id, participant, type, uetr, source_id, payload, proof_tx_id, 'pending'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[])
              AS d(id, participant, type, uetr, source_id, payload, proof_tx_id)
       ON CONFLICT (source_id, participant, type) DO NOTHING`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.participant),
        deliveries.map((d) => d.type),
        deliveries.map((d) => d.uetr),
        deliveries.map((d) => d.sourceId),
        deliveries.map((d) => JSON.stringify(d.payload)),
        deliveries.map((d) => d.proofTxId ?? null),
      ],
    );
    await tx.query('SELECT pg_notify($1, $2)', [WEBHOOK_CHANNEL, '']);
  }

  /**
   * Claims up to `limit` due deliveries by pushing their next attempt `leaseMs` ahead: a dispatcher that dies
   * mid-delivery leaves them to be retried when the lease runs out, and replicas never claim the same row.
   * Each bank gets at most `perParticipant` minus what `busy` says it already has in flight, oldest due first, so
   * one bank's backlog cannot take every slot. The banks with pending rows are found by a skip scan of the
   * partial (participant, next_attempt_at) index (ordered by both columns so that it is the index used, never the
   * one over every delivery ever made), then a few due rows of each.
   */
  async claimDue(limit: number, leaseMs: number, perParticipant = limit, busy: ReadonlyMap<string, number> = new Map()): Promise<DeliveryRow[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `WITH RECURSIVE banks AS (
         (SELECT participant FROM webhook_deliveries WHERE status = 'pending' ORDER BY participant, next_attempt_at LIMIT 1)
         UNION ALL
         SELECT (SELECT w.participant FROM webhook_deliveries w WHERE w.status = 'pending' AND w.participant > b.participant
                    ORDER BY w.participant, w.next_attempt_at LIMIT 1)
           FROM banks b WHERE b.participant IS NOT NULL
       ), candidates AS (
         SELECT c.id, c.next_attempt_at FROM banks b
           LEFT JOIN unnest($3::text[], $4::int[]) AS f(participant, in_flight) ON f.participant = b.participant
           CROSS JOIN LATERAL (
             SELECT w.id, w.next_attempt_at FROM webhook_deliveries w
              WHERE w.participant = b.participant AND w.status = 'pending' AND w.next_attempt_at <= now()
              ORDER BY w.next_attempt_at LIMIT greatest(0, $5::int - coalesce(f.in_flight, 0))) c
          WHERE b.participant IS NOT NULL
          ORDER BY c.next_attempt_at LIMIT $1
       ), due AS (
         SELECT w.id FROM webhook_deliveries w JOIN candidates USING (id)
          WHERE w.status = 'pending' AND w.next_attempt_at <= now() FOR UPDATE OF w SKIP LOCKED)
       UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
         FROM due, participants p WHERE d.id = due.id AND p.id = d.participant
       RETURNING d.*, p.webhook_url`,
      [limit, leaseMs / 1000, [...busy.keys()], [...busy.values()], perParticipant],
    );
    return rows;
  }

  async savePayload(id: string, payload: WebhookEvent): Promise<void> {
    await this.pool.query('UPDATE webhook_deliveries SET payload = $2 WHERE id = $1', [id, JSON.stringify(payload)]);
  }

  async markDelivered(id: string, httpStatus: number): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(), last_status = $2,
         last_error = NULL, delivered_at = now() WHERE id = $1 AND status = 'pending'`,
      [id, httpStatus],
    );
  }

  /** Records a failed attempt; `nextDelayMs === null` abandons the delivery. */
  async markFailed(id: string, failure: { httpStatus: number | null; error: string; nextDelayMs: number | null }): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status = $2, last_error = $3,
         status = CASE WHEN $4::double precision IS NULL THEN 'abandoned' ELSE status END,
         next_attempt_at = CASE WHEN $4::double precision IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $4::double precision) END
       WHERE id = $1 AND status = 'pending'`,
      [id, failure.httpStatus, failure.error.slice(0, 500), failure.nextDelayMs === null ? null : failure.nextDelayMs / 1000],
    );
  }

  /**
   * Puts a delivery back in the queue now (operator action) and returns it as it was put back (pending), before any
   * dispatcher woken by the notification can deliver it; null when there is no such undelivered one.
   */
  async redeliver(id: string): Promise<DeliveryRow | null> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() WHERE id = $1 AND status <> 'delivered' RETURNING *`,
      [id],
    );
    if (rows[0]) await this.pool.query('SELECT pg_notify($1, $2)', [WEBHOOK_CHANNEL, '']);
    return rows[0] ?? null;
  }

  async find(id: string): Promise<DeliveryRow | null> {
    const { rows } = await this.pool.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async list(q: { participant?: string; status?: string; uetr?: string; limit: number; after?: TimeKeyset }): Promise<(DeliveryRow & { cursor_at: string })[]> {
    const { rows } = await this.pool.query<DeliveryRow & { cursor_at: string }>(
      `SELECT *, ${CURSOR_AT_SQL('created_at')} AS cursor_at FROM webhook_deliveries WHERE ($1::text IS NULL OR participant = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::uuid IS NULL OR uetr = $3) AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $6`,
      [q.participant ?? null, q.status ?? null, q.uetr ?? null, q.after?.at ?? null, q.after?.id ?? null, Math.min(q.limit, LIST_LIMIT_MAX)],
    );
    return rows;
  }

  /** Per participant with a webhook URL or undelivered webhooks: what is pending, how long, how many failures. */
  async endpointHealth(): Promise<EndpointHealthRow[]> {
    const { rows } = await this.pool.query<EndpointHealthRow>(
      `SELECT p.id AS participant, p.webhook_url,
              count(*) FILTER (WHERE d.status = 'pending') AS pending,
              count(*) FILTER (WHERE d.status = 'abandoned') AS abandoned,
              min(d.created_at) FILTER (WHERE d.status = 'pending') AS oldest_pending_at,
              max(d.attempts) FILTER (WHERE d.status = 'pending') AS max_attempts,
              (array_agg(d.last_error ORDER BY d.last_attempt_at DESC NULLS LAST) FILTER (WHERE d.status <> 'delivered' AND d.last_error IS NOT NULL))[1] AS last_error,
              max(d.delivered_at) AS last_delivered_at
         FROM participants p LEFT JOIN webhook_deliveries d ON d.participant = p.id
        WHERE p.webhook_url IS NOT NULL OR d.id IS NOT NULL
        GROUP BY p.id, p.webhook_url ORDER BY p.id LIMIT ${LIST_LIMIT_MAX}`,
    );
    return rows;
  }
}
