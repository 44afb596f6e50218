import { Logger, Pool } from '@nostro/platform';

const INTERVAL_MS = 60_000;
/** Rows deleted per statement, so a cleanup never holds locks for long. */
const DELETE_BATCH = 10_000;
/** API.md: idempotency keys are kept at least 24 h; we keep them 48 h. */
const IDEMPOTENCY_RETENTION_S = 48 * 3_600;
/** Delivered webhooks stay visible to operators for a week. */
const DELIVERED_WEBHOOK_RETENTION_S = 7 * 86_400;

const CLEANUPS = [
  { what: 'expired signature nonces', sql: `DELETE FROM signature_nonces WHERE ctid IN (SELECT ctid FROM signature_nonces WHERE expires_at < now() LIMIT ${DELETE_BATCH})` },
  {
    what: 'old idempotency keys',
    sql: `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE state = 'done'
            AND created_at < now() - make_interval(secs => ${IDEMPOTENCY_RETENTION_S}) LIMIT ${DELETE_BATCH})`,
  },
  {
    what: 'old delivered webhooks',
    sql: `DELETE FROM webhook_deliveries WHERE ctid IN (SELECT ctid FROM webhook_deliveries WHERE status = 'delivered'
            AND delivered_at < now() - make_interval(secs => ${DELIVERED_WEBHOOK_RETENTION_S}) LIMIT ${DELETE_BATCH})`,
  },
];

/** Bounded, periodic deletion of what the gateway no longer needs. Safe to run on every replica at once. */
export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async runOnce(): Promise<void> {
    for (const cleanup of CLEANUPS) {
      try {
        const { rowCount } = await this.pool.query(cleanup.sql);
        if ((rowCount ?? 0) > 0) this.log.info({ deleted: rowCount }, `housekeeping: ${cleanup.what}`);
      } catch (error) {
        this.log.warn({ err: error }, `housekeeping failed: ${cleanup.what}`);
      }
    }
  }
}
