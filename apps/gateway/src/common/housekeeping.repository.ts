import { Pool } from '@nostro/platform';

/** Rows deleted per statement, so a cleanup never holds locks for long. */
const DELETE_BATCH = 10_000;
/** API.md: idempotency keys are kept at least 24 h; we keep them 48 h. */
const IDEMPOTENCY_RETENTION_S = 48 * 3_600;
/** Delivered webhooks stay visible to operators for a week. */
const DELIVERED_WEBHOOK_RETENTION_S = 7 * 86_400;

/** What housekeeping deletes, each one bounded batch per statement. */
export const CLEANUPS = {
  'expired signature nonces': `DELETE FROM signature_nonces WHERE ctid IN (SELECT ctid FROM signature_nonces WHERE expires_at < now() LIMIT ${DELETE_BATCH})`,
  'old idempotency keys': `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE state = 'done'
            AND created_at < now() - make_interval(secs => ${IDEMPOTENCY_RETENTION_S}) LIMIT ${DELETE_BATCH})`,
  'old delivered webhooks': `DELETE FROM webhook_deliveries WHERE ctid IN (SELECT ctid FROM webhook_deliveries WHERE status = 'delivered'
            AND delivered_at < now() - make_interval(secs => ${DELIVERED_WEBHOOK_RETENTION_S}) LIMIT ${DELETE_BATCH})`,
} as const;

export type Cleanup = keyof typeof CLEANUPS;

/** SQL of the gateway's periodic deletions. */
export class HousekeepingRepository {
  constructor(private readonly pool: Pool) {}

  /** Deletes one batch; the number of rows deleted. */
  async deleteBatch(cleanup: Cleanup): Promise<number> {
    const { rowCount } = await this.pool.query(CLEANUPS[cleanup]);
    return rowCount ?? 0;
  }
}
